//! Tokens of the scenario format, each with its line and column.
//!
//! Words are letters, digits and `_ . -` starting with a letter or `_`
//! (so `v6.18`, `rbtree-rwlock` and `XATTR_CREATE` are single words).
//! Numbers are decimal, `0x` hexadecimal, or octal with a leading `0`
//! (`0644`). Strings are double-quoted with the escapes `\\ \" \n \t \0`
//! and `\xHH`. `#` starts a comment that runs to the end of the line.
//! Bad input becomes a [`ParseError`], never a panic; a proptest in
//! `sim/tests/oracle_scenario_format.rs` feeds it arbitrary text.

use super::error::{ParseError, Pos};

/// A token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Token {
    Word(String),
    Number(u64),
    Str(Vec<u8>),
    /// One of `( ) { } , = : ; | + -` or `=>`.
    Punct(&'static str),
    Eof,
}

impl Token {
    /// Describes the token as an error message shows it.
    pub fn describe(&self) -> String {
        match self {
            Token::Word(word) => format!("`{word}`"),
            Token::Number(number) => format!("number {number}"),
            Token::Str(_) => "a string".to_owned(),
            Token::Punct(punct) => format!("`{punct}`"),
            Token::Eof => "end of file".to_owned(),
        }
    }
}

/// A token and where it starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spanned {
    pub token: Token,
    pub pos: Pos,
}

const PUNCTS: [&str; 11] = ["(", ")", "{", "}", ",", "=", ":", ";", "|", "+", "-"];

struct Lexer<'a> {
    chars: std::iter::Peekable<std::str::Chars<'a>>,
    pos: Pos,
    file: &'a str,
}

/// Splits `text` into tokens, ending with [`Token::Eof`].
pub fn tokenize(file: &str, text: &str) -> Result<Vec<Spanned>, ParseError> {
    let mut lexer = Lexer { chars: text.chars().peekable(), pos: Pos { line: 1, column: 1 }, file };
    let mut tokens = Vec::new();
    loop {
        lexer.skip_blanks_and_comments();
        let pos = lexer.pos;
        let Some(&c) = lexer.chars.peek() else {
            tokens.push(Spanned { token: Token::Eof, pos });
            return Ok(tokens);
        };
        let token = lexer.token(c, pos)?;
        tokens.push(Spanned { token, pos });
    }
}

impl Lexer<'_> {
    fn bump(&mut self) -> Option<char> {
        let c = self.chars.next()?;
        if c == '\n' {
            self.pos.line += 1;
            self.pos.column = 1;
        } else {
            self.pos.column += 1;
        }
        Some(c)
    }

    fn error(&self, pos: Pos, expected: &str, found: String) -> ParseError {
        ParseError::new(self.file, pos, expected, found)
    }

    fn skip_blanks_and_comments(&mut self) {
        while let Some(&c) = self.chars.peek() {
            if c == '#' {
                while self.chars.peek().is_some_and(|&c| c != '\n') {
                    self.bump();
                }
            } else if c.is_whitespace() {
                self.bump();
            } else {
                return;
            }
        }
    }

    fn token(&mut self, c: char, pos: Pos) -> Result<Token, ParseError> {
        if c.is_ascii_alphabetic() || c == '_' {
            return Ok(Token::Word(self.take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))));
        }
        if c.is_ascii_digit() {
            return self.number(pos);
        }
        if c == '"' {
            return self.string(pos);
        }
        self.bump();
        if c == '=' && self.chars.peek() == Some(&'>') {
            self.bump();
            return Ok(Token::Punct("=>"));
        }
        let text = c.to_string();
        match PUNCTS.iter().find(|punct| **punct == text) {
            Some(punct) => Ok(Token::Punct(punct)),
            None => Err(self.error(pos, "a word, number, string or punctuation", format!("character {c:?}"))),
        }
    }

    fn take_while(&mut self, keep: impl Fn(char) -> bool) -> String {
        let mut text = String::new();
        while let Some(&c) = self.chars.peek() {
            if !keep(c) {
                break;
            }
            text.push(c);
            self.bump();
        }
        text
    }

    fn number(&mut self, pos: Pos) -> Result<Token, ParseError> {
        let text = self.take_while(|c| c.is_ascii_alphanumeric() || c == '_');
        let parsed = if let Some(hex) = text.strip_prefix("0x") {
            u64::from_str_radix(hex, 16)
        } else if text.len() > 1 && text.starts_with('0') {
            u64::from_str_radix(&text[1..], 8)
        } else {
            text.parse()
        };
        parsed.map(Token::Number).map_err(|_| self.error(pos, "a decimal, 0x hexadecimal or 0-prefixed octal number", format!("`{text}`")))
    }

    fn string(&mut self, pos: Pos) -> Result<Token, ParseError> {
        self.bump();
        let mut bytes = Vec::new();
        loop {
            let escape_pos = self.pos;
            match self.bump() {
                None | Some('\n') => return Err(self.error(pos, "a closing `\"` on the same line", "end of line".to_owned())),
                Some('"') => return Ok(Token::Str(bytes)),
                Some('\\') => bytes.push(self.escape(escape_pos)?),
                Some(c) => {
                    let mut buffer = [0; 4];
                    bytes.extend_from_slice(c.encode_utf8(&mut buffer).as_bytes());
                }
            }
        }
    }

    fn escape(&mut self, pos: Pos) -> Result<u8, ParseError> {
        match self.bump() {
            Some('\\') => Ok(b'\\'),
            Some('"') => Ok(b'"'),
            Some('n') => Ok(b'\n'),
            Some('t') => Ok(b'\t'),
            Some('0') => Ok(0),
            Some('x') => {
                let digits: String = [self.bump(), self.bump()].into_iter().flatten().collect();
                u8::from_str_radix(&digits, 16)
                    .map_err(|_| self.error(pos, "two hexadecimal digits after `\\x`", format!("`{digits}`")))
            }
            other => Err(self.error(pos, "one of the escapes \\\\ \\\" \\n \\t \\0 \\xHH", format!("{other:?}"))),
        }
    }
}
