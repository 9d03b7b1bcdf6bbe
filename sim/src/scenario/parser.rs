//! The scenario parser: a recursive-descent parser over the tokens of
//! [`super::lexer`]. Every error names file, line and column and what was
//! expected; no input makes it panic (it is a fuzz target).
//!
//! Grammar (`[]` optional, `*` repeated):
//!
//! ```text
//! file     := item*
//! item     := "scenario" STRING
//!           | "profiles" PROFILE+
//!           | "designs" WORD+
//!           | "cred" WORD (KEY "=" value)*      keys: uid gid fsuid fsgid groups caps
//!           | "umask" NUMBER
//!           | "mount" "tmpfs" STRING ["nr_inodes" "=" NUMBER] ["ro"]
//!           | "kernfs_root" WORD ["user_xattr"]
//!           | "mount" "kernfs" STRING "root" "=" WORD ["ro"]
//!           | "kernfs_node" WORD STRING ("file"|"dir") ["mode" "=" NUMBER] ["uid" "=" NUMBER] ["gid" "=" NUMBER]
//!           | "ops" "as" WORD "{" stmt* "}"
//! stmt     := [WORD "=" | "(" WORD "," WORD ")" "="] WORD "(" [arg ("," arg)*] ")" ["=>" expect]
//! arg      := bytes | ["-"] NUMBER | WORD ("|" WORD)*
//! bytes    := atom ("+" atom)*        atom := STRING | "repeat" "(" STRING "," NUMBER ")"
//! expect   := checks | "{" PROFILE ":" checks (";" PROFILE ":" checks)* "}"
//! checks   := check ("and" check)*
//! check    := "ok" | ERRNO | ["-"] NUMBER | bytes
//!           | ("contains" | "lacks") bytes ("," bytes)* | "names" [bytes ("," bytes)*]
//! ```
//!
//! The concurrent declarations (`design`, `thread`, `explore`, `knob`,
//! `expect`) are parsed in the `concurrent` submodule, whose docs continue
//! the grammar.

mod concurrent;

use std::collections::BTreeSet;

use xattr_model::errno::Errno;

use super::ast::{Arg, Call, Check, Expect, OpsBlock, Scenario, Setup, Stmt};
use super::calls::validate_call;
use super::error::{ParseError, Pos};
use super::lexer::{tokenize, Spanned, Token};
use crate::oracle::Profile;
use crate::world::{Caps, Cred, FileType};

/// The maximum bytes one byte string may have, so a tiny file cannot ask for
/// gigabytes; twice `XATTR_SIZE_MAX` leaves room for oversize tests.
const MAX_REPEAT: u64 = 1 << 17;

/// Parses the scenario in `text`; `file` names it in errors.
pub fn parse(file: &str, text: &str) -> Result<Scenario, ParseError> {
    let tokens = tokenize(file, text)?;
    let mut parser = Parser { file, tokens, at: 0, fd_names: BTreeSet::new() };
    let mut scenario = Scenario { file: file.to_owned(), ..Scenario::default() };
    while parser.peek() != &Token::Eof {
        parser.item(&mut scenario)?;
    }
    if scenario.profiles.is_empty() && scenario.concurrent.is_empty() {
        scenario.profiles = Profile::ALL.to_vec();
    } else if scenario.profiles.is_empty() {
        // One plan runs under one profile; v7.1 is the kernel with the
        // reworked store that concurrent scenarios are about.
        scenario.profiles = vec![Profile::V7_1];
    }
    if scenario.designs.is_empty() {
        scenario.designs = Profile::ALL.iter().map(|profile| profile.default_design().to_owned()).collect();
    }
    Ok(scenario)
}

struct Parser<'a> {
    file: &'a str,
    tokens: Vec<Spanned>,
    at: usize,
    /// Names bound to fds so far, to reject unknown fd names early.
    fd_names: BTreeSet<String>,
}

impl Parser<'_> {
    fn peek(&self) -> &Token {
        self.tokens.get(self.at).map_or(&Token::Eof, |spanned| &spanned.token)
    }

    fn peek_at(&self, offset: usize) -> &Token {
        self.tokens.get(self.at + offset).map_or(&Token::Eof, |spanned| &spanned.token)
    }

    fn pos(&self) -> Pos {
        self.tokens.get(self.at).or(self.tokens.last()).map_or(Pos::default(), |spanned| spanned.pos)
    }

    fn next(&mut self) -> Token {
        let token = self.peek().clone();
        if self.at < self.tokens.len() {
            self.at += 1;
        }
        token
    }

    fn error(&self, expected: &str) -> ParseError {
        ParseError::new(self.file, self.pos(), expected, self.peek().describe())
    }

    fn error_at(&self, pos: Pos, expected: &str, found: String) -> ParseError {
        ParseError::new(self.file, pos, expected, found)
    }

    fn punct(&mut self, punct: &str) -> Result<(), ParseError> {
        match self.peek() {
            Token::Punct(found) if *found == punct => {
                self.next();
                Ok(())
            }
            _ => Err(self.error(&format!("`{punct}`"))),
        }
    }

    fn is_punct(&self, punct: &str) -> bool {
        matches!(self.peek(), Token::Punct(found) if *found == punct)
    }

    fn is_word(&self, word: &str) -> bool {
        matches!(self.peek(), Token::Word(found) if found == word)
    }

    fn keyword(&mut self, word: &str) -> Result<(), ParseError> {
        if self.is_word(word) {
            self.next();
            return Ok(());
        }
        Err(self.error(&format!("`{word}`")))
    }

    fn word(&mut self, what: &str) -> Result<String, ParseError> {
        match self.peek().clone() {
            Token::Word(word) => {
                self.next();
                Ok(word)
            }
            _ => Err(self.error(what)),
        }
    }

    fn number(&mut self, what: &str) -> Result<u64, ParseError> {
        match self.peek() {
            Token::Number(number) => {
                let number = *number;
                self.next();
                Ok(number)
            }
            _ => Err(self.error(what)),
        }
    }

    fn small_number(&mut self, what: &str) -> Result<u32, ParseError> {
        let pos = self.pos();
        let number = self.number(what)?;
        u32::try_from(number).map_err(|_| self.error_at(pos, &format!("{what} below 2^32"), number.to_string()))
    }

    fn string(&mut self, what: &str) -> Result<String, ParseError> {
        let pos = self.pos();
        match self.next() {
            Token::Str(bytes) => {
                String::from_utf8(bytes).map_err(|_| self.error_at(pos, &format!("{what} in UTF-8"), "invalid UTF-8".to_owned()))
            }
            found => {
                self.at -= 1;
                Err(self.error_at(pos, what, found.describe()))
            }
        }
    }

    /// `key "=" NUMBER` after the key was seen.
    fn assigned_number(&mut self, key: &str) -> Result<u32, ParseError> {
        self.keyword(key)?;
        self.punct("=")?;
        self.small_number(&format!("a number for `{key}`"))
    }

    fn item(&mut self, scenario: &mut Scenario) -> Result<(), ParseError> {
        let pos = self.pos();
        let word = self.word("a declaration (scenario, profiles, designs, cred, umask, mount, kernfs_root, kernfs_node, ops, thread, explore, knob, expect)")?;
        match word.as_str() {
            "scenario" => scenario.name = Some(self.string("the scenario's name as a string")?),
            "profiles" => scenario.profiles = self.profiles()?,
            "designs" | "design" => scenario.designs = self.words_while_design()?,
            "cred" => {
                let name_pos = self.pos();
                let (name, cred) = self.cred()?;
                if scenario.creds.contains_key(&name) {
                    // A second declaration would silently replace the first.
                    return Err(self.error_at(name_pos, "a credential name not declared before", format!("`{name}` again")));
                }
                scenario.creds.insert(name, cred);
            }
            "umask" => scenario.setup.push((pos, Setup::Umask(self.small_number("a umask such as 022")?))),
            "mount" => scenario.setup.push((pos, self.mount()?)),
            "kernfs_root" => {
                let name = self.word("a kernfs root name")?;
                let user_xattr = self.is_word("user_xattr") && { self.next(); true };
                scenario.setup.push((pos, Setup::KernfsRoot { name, user_xattr }));
            }
            "kernfs_node" => scenario.setup.push((pos, self.kernfs_node()?)),
            "ops" => scenario.blocks.push(self.ops_block(pos, scenario)?),
            "thread" | "explore" | "knob" | "expect" => self.concurrent_item(&word, pos, scenario)?,
            _ => {
                return Err(self.error_at(
                    pos,
                    "a declaration (scenario, profiles, designs, cred, umask, mount, kernfs_root, kernfs_node, ops, thread, explore, knob, expect)",
                    format!("`{word}`"),
                ))
            }
        }
        Ok(())
    }

    fn profiles(&mut self) -> Result<Vec<Profile>, ParseError> {
        let mut profiles = Vec::new();
        while let Token::Word(word) = self.peek().clone() {
            match word.parse::<Profile>() {
                Ok(profile) => profiles.push(profile),
                Err(_) if !profiles.is_empty() => break,
                Err(_) => return Err(self.error("a kernel profile (v6.18 or v7.1)")),
            }
            self.next();
        }
        if profiles.is_empty() {
            return Err(self.error("a kernel profile (v6.18 or v7.1)"));
        }
        Ok(profiles)
    }

    /// Design names: words containing `-` (registry names are hyphenated).
    fn words_while_design(&mut self) -> Result<Vec<String>, ParseError> {
        let mut designs = Vec::new();
        while let Token::Word(word) = self.peek().clone() {
            if !word.contains('-') {
                break;
            }
            if designs.contains(&word) {
                return Err(self.error("each design at most once"));
            }
            designs.push(word);
            self.next();
        }
        if designs.is_empty() {
            return Err(self.error("a design name such as rbtree-rwlock"));
        }
        Ok(designs)
    }

    fn cred(&mut self) -> Result<(String, Cred), ParseError> {
        let name = self.word("a credential name")?;
        let mut cred = Cred::user(0, 0);
        let (mut fsuid, mut fsgid) = (None, None);
        loop {
            let key = match self.peek() {
                Token::Word(key) if matches!(self.peek_at(1), Token::Punct("=")) => key.clone(),
                _ => break,
            };
            match key.as_str() {
                "uid" => cred.uid = self.assigned_number("uid")?,
                "gid" => cred.gid = self.assigned_number("gid")?,
                "fsuid" => fsuid = Some(self.assigned_number("fsuid")?),
                "fsgid" => fsgid = Some(self.assigned_number("fsgid")?),
                "groups" => cred.groups = self.groups()?,
                "caps" => cred.caps = self.caps()?,
                _ => return Err(self.error("a credential field (uid, gid, fsuid, fsgid, groups, caps)")),
            }
        }
        cred.fsuid = fsuid.unwrap_or(cred.uid);
        cred.fsgid = fsgid.unwrap_or(cred.gid);
        Ok((name, cred))
    }

    fn groups(&mut self) -> Result<Vec<u32>, ParseError> {
        self.keyword("groups")?;
        self.punct("=")?;
        let mut groups = vec![self.small_number("a group id")?];
        while self.is_punct(",") {
            self.next();
            groups.push(self.small_number("a group id")?);
        }
        Ok(groups)
    }

    fn caps(&mut self) -> Result<Caps, ParseError> {
        self.keyword("caps")?;
        self.punct("=")?;
        let mut caps = Caps::default();
        loop {
            let pos = self.pos();
            let name = self.word("a capability name")?;
            match name.as_str() {
                "all" => caps = Caps::ALL,
                "none" => {}
                _ if caps.set(&name) => {}
                _ => {
                    let expected = format!("a capability ({}, all, none)", Caps::NAMES.join(", "));
                    return Err(self.error_at(pos, &expected, format!("`{name}`")));
                }
            }
            if !self.is_punct(",") {
                return Ok(caps);
            }
            self.next();
        }
    }

    fn read_only(&mut self) -> bool {
        self.is_word("ro") && {
            self.next();
            true
        }
    }

    fn mount(&mut self) -> Result<Setup, ParseError> {
        let fs = self.word("a filesystem type (tmpfs or kernfs)")?;
        let mountpoint = self.string("a mountpoint as a string")?;
        match fs.as_str() {
            "tmpfs" => {
                let mut nr_inodes = DEFAULT_NR_INODES;
                if self.is_word("nr_inodes") {
                    self.next();
                    self.punct("=")?;
                    nr_inodes = self.number("a number of inodes")?;
                }
                Ok(Setup::Tmpfs { mountpoint, nr_inodes, read_only: self.read_only() })
            }
            "kernfs" => {
                self.keyword("root")?;
                self.punct("=")?;
                let root = self.word("a kernfs root name")?;
                Ok(Setup::Kernfs { mountpoint, root, read_only: self.read_only() })
            }
            _ => Err(self.error("a filesystem type (tmpfs or kernfs)")),
        }
    }

    fn kernfs_node(&mut self) -> Result<Setup, ParseError> {
        let root = self.word("a kernfs root name")?;
        let name = self.string("the node's name as a string")?;
        let file_type = match self.word("`file` or `dir`")?.as_str() {
            "file" => FileType::Regular,
            "dir" => FileType::Directory,
            _ => return Err(self.error_at(self.pos(), "`file` or `dir`", "another word".to_owned())),
        };
        let mut mode = if file_type == FileType::Directory { 0o755 } else { 0o644 };
        let (mut uid, mut gid) = (0, 0);
        loop {
            if self.is_word("mode") {
                mode = self.assigned_number("mode")?;
            } else if self.is_word("uid") {
                uid = self.assigned_number("uid")?;
            } else if self.is_word("gid") {
                gid = self.assigned_number("gid")?;
            } else {
                return Ok(Setup::KernfsNode { root, name, file_type, mode, uid, gid });
            }
        }
    }

    /// Parses `as CRED` of an `ops` or `thread` block; the credential must be
    /// declared before the block.
    fn as_cred(&mut self, scenario: &Scenario) -> Result<String, ParseError> {
        self.keyword("as")?;
        let cred_pos = self.pos();
        let cred = self.word("a credential name")?;
        if !scenario.creds.contains_key(&cred) {
            let expected = if scenario.creds.is_empty() {
                "a credential declared earlier with a `cred` line (none is declared yet)".to_owned()
            } else {
                let known: Vec<&str> = scenario.creds.keys().map(String::as_str).collect();
                format!("a credential declared earlier with `cred` (declared: {})", known.join(", "))
            };
            return Err(self.error_at(cred_pos, &expected, format!("`{cred}`")));
        }
        Ok(cred)
    }

    fn ops_block(&mut self, pos: Pos, scenario: &Scenario) -> Result<OpsBlock, ParseError> {
        let cred = self.as_cred(scenario)?;
        self.punct("{")?;
        let mut stmts = Vec::new();
        while !self.is_punct("}") {
            if self.peek() == &Token::Eof {
                return Err(self.error("`}` closing the ops block"));
            }
            stmts.push(self.stmt()?);
        }
        self.next();
        Ok(OpsBlock { pos, cred, stmts })
    }

    fn stmt(&mut self) -> Result<Stmt, ParseError> {
        let pos = self.pos();
        let bind = self.binding()?;
        let call_pos = self.pos();
        let call = self.call()?;
        validate_call(&call, &self.fd_names, bind.len())
            .map_err(|(at, expected, found)| self.error_at(at.unwrap_or(call_pos), &expected, found))?;
        self.fd_names.extend(bind.iter().cloned());
        let expect = if self.is_punct("=>") {
            self.next();
            Some(self.expect()?)
        } else {
            None
        };
        Ok(Stmt { pos, bind, call, expect })
    }

    fn binding(&mut self) -> Result<Vec<String>, ParseError> {
        if matches!(self.peek(), Token::Word(_)) && matches!(self.peek_at(1), Token::Punct("=")) {
            let name = self.word("an fd name")?;
            self.punct("=")?;
            return Ok(vec![name]);
        }
        if self.is_punct("(") {
            self.next();
            let first = self.word("an fd name")?;
            self.punct(",")?;
            let second = self.word("an fd name")?;
            self.punct(")")?;
            self.punct("=")?;
            return Ok(vec![first, second]);
        }
        Ok(Vec::new())
    }

    fn call(&mut self) -> Result<Call, ParseError> {
        let name = self.word("a call such as setxattr(...)")?;
        self.punct("(")?;
        let mut args = Vec::new();
        if !self.is_punct(")") {
            loop {
                let pos = self.pos();
                args.push((pos, self.arg()?));
                if !self.is_punct(",") {
                    break;
                }
                self.next();
            }
        }
        self.punct(")")?;
        Ok(Call { name, args })
    }

    fn arg(&mut self) -> Result<Arg, ParseError> {
        match self.peek() {
            Token::Str(_) => Ok(Arg::Bytes(self.bytes()?)),
            Token::Word(word) if word == "repeat" => Ok(Arg::Bytes(self.bytes()?)),
            Token::Number(_) | Token::Punct("-") => Ok(Arg::Int(self.int()?)),
            Token::Word(_) => {
                let mut words = vec![self.word("a word")?];
                while self.is_punct("|") {
                    self.next();
                    words.push(self.word("a flag name after `|`")?);
                }
                Ok(Arg::Words(words))
            }
            _ => Err(self.error("an argument (a string, a number, or a name)")),
        }
    }

    fn int(&mut self) -> Result<i64, ParseError> {
        let negative = self.is_punct("-") && {
            self.next();
            true
        };
        let pos = self.pos();
        let number = self.number("a number")?;
        let value = i64::try_from(number).map_err(|_| self.error_at(pos, "a number below 2^63", number.to_string()))?;
        Ok(if negative { -value } else { value })
    }

    fn bytes(&mut self) -> Result<Vec<u8>, ParseError> {
        let mut bytes = self.bytes_atom()?;
        while self.is_punct("+") {
            self.next();
            bytes.extend(self.bytes_atom()?);
            if bytes.len() as u64 > MAX_REPEAT {
                return Err(self.error(&format!("a byte string of at most {MAX_REPEAT} bytes")));
            }
        }
        Ok(bytes)
    }

    fn bytes_atom(&mut self) -> Result<Vec<u8>, ParseError> {
        if let Token::Str(bytes) = self.peek().clone() {
            self.next();
            return Ok(bytes);
        }
        self.keyword("repeat")?;
        self.punct("(")?;
        let pos = self.pos();
        let Token::Str(unit) = self.next() else {
            self.at -= 1;
            return Err(self.error("a string to repeat"));
        };
        self.punct(",")?;
        let count = self.number("a repeat count")?;
        self.punct(")")?;
        let total = (unit.len() as u64).saturating_mul(count);
        if total > MAX_REPEAT {
            return Err(self.error_at(pos, &format!("a repeat of at most {MAX_REPEAT} bytes"), format!("{total} bytes")));
        }
        Ok(unit.repeat(count as usize))
    }

    fn expect(&mut self) -> Result<Expect, ParseError> {
        if !self.is_punct("{") {
            return Ok(Expect::All(self.checks()?));
        }
        self.next();
        let mut cases = Vec::new();
        loop {
            let pos = self.pos();
            let word = self.word("a kernel profile (v6.18 or v7.1)")?;
            let profile = word
                .parse::<Profile>()
                .map_err(|_| self.error_at(pos, "a kernel profile (v6.18 or v7.1)", format!("`{word}`")))?;
            self.punct(":")?;
            cases.push((profile, self.checks()?));
            if self.is_punct("}") {
                self.next();
                return Ok(Expect::PerProfile(cases));
            }
            self.punct(";")?;
        }
    }

    fn checks(&mut self) -> Result<Vec<Check>, ParseError> {
        let mut checks = vec![self.check()?];
        while self.is_word("and") {
            self.next();
            checks.push(self.check()?);
        }
        Ok(checks)
    }

    fn check(&mut self) -> Result<Check, ParseError> {
        let pos = self.pos();
        match self.peek().clone() {
            Token::Number(_) | Token::Punct("-") => Ok(Check::Returns(self.int()?)),
            Token::Str(_) => Ok(Check::Value(self.bytes()?)),
            Token::Word(word) => {
                self.next();
                match word.as_str() {
                    "ok" => Ok(Check::Ok),
                    "repeat" => {
                        self.at -= 1;
                        Ok(Check::Value(self.bytes()?))
                    }
                    "contains" => Ok(Check::Contains(self.names(true)?)),
                    "lacks" => Ok(Check::Lacks(self.names(true)?)),
                    "names" => Ok(Check::Names(self.names(false)?)),
                    "duplicates" => Ok(Check::Duplicates),
                    _ => Errno::from_name(&word).map(Check::Errno).ok_or_else(|| {
                        self.error_at(
                            pos,
                            "an expectation (ok, an errno name, a number, a string, contains, lacks, names, duplicates)",
                            format!("`{word}`"),
                        )
                    }),
                }
            }
            _ => Err(self.error("an expectation (ok, an errno name, a number, a string, contains, lacks, names, duplicates)")),
        }
    }

    fn names(&mut self, required: bool) -> Result<Vec<String>, ParseError> {
        let starts_name = |parser: &Self| matches!(parser.peek(), Token::Str(_)) || parser.is_word("repeat");
        let mut names = Vec::new();
        if !required && !starts_name(self) {
            return Ok(names);
        }
        loop {
            let pos = self.pos();
            let bytes = self.bytes()?;
            names.push(String::from_utf8(bytes).map_err(|_| self.error_at(pos, "a name in UTF-8", "invalid UTF-8".to_owned()))?);
            if !self.is_punct(",") {
                return Ok(names);
            }
            self.next();
        }
    }
}

/// The `nr_inodes` of a tmpfs mount that does not set it: a fixed stand-in
/// for the kernel's default (half the RAM pages), large enough that no
/// scenario reaches it by accident.
pub const DEFAULT_NR_INODES: u64 = 1 << 20;
