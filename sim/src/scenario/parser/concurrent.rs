//! Parsing the concurrent declarations: `thread`, `explore`, `knob` and
//! `expect`. Like the rest of the parser, every error names file, line and
//! column and what was expected, and no input makes it panic.
//!
//! Grammar (continuing the one in the parent module):
//!
//! ```text
//! item      := ... | "design" WORD+
//!            | "thread" WORD "as" WORD "{" top* "}"
//!            | "explore" explorer
//!            | "knob" knob
//!            | "expect" expect_line ["on" WORD+]
//! top       := ["rcu_only"] WORD "(" [arg ("," arg)*] ")" ["=>" alts]
//!            | "evict_inode" "(" arg ")" ["=>" alts] | "synchronize_rcu" "(" ")"
//! alts      := checks ("or" checks)*
//! explorer  := "loom" ["preemption_bound" "=" N]
//!            | "shuttle-random" (("iterations" | "seed") "=" N)*
//!            | "shuttle-pct" (("iterations" | "depth" | "seed") "=" N)*
//!            | "shuttle-dfs" ["max" "=" N]
//! knob      := "writers" "=" ("serialized" | "unserialized")
//!            | "publication" "=" ("release" | "cmpxchg")
//!            | "accounting" "=" ("pre-increment" | "net-delta")
//!            | "limits" (("nr" | "size") "=" N)+
//!            | "fault" POINT ["hit" "=" N] ["errno" "=" ERRNO]
//!            | "mutant" NAME
//!            | "rehash" "=" ("thread" | "at-finish")
//! expect_line := "always" PROPERTY
//!            | ("always" | "sometimes" | "never") target "=>" alts
//!            | "finds" CLASS
//! target    := WORD "." N (lexed as one word, `T2.0`) | "final" (WORD | STRING)
//! ```

use xattr_model::config::{Accounting, Publication, RehashWorker};
use xattr_model::errno::Errno;
use xattr_model::explore::Explorer;
use xattr_model::fault::{Fault, FaultPoint};
use xattr_model::inode::Access;
use xattr_model::mutant::Mutant;

use super::Parser;
use crate::scenario::ast::{Arg, Call, Check, Scenario};
use crate::scenario::calls::validate_call;
use crate::scenario::concurrent_ast::{
    ExpectKind, Expectation, Knob, Modality, Property, Target, ThreadAction, ThreadBlock, ThreadOp, FINDING_CLASSES,
    MAX_LOOM_PREEMPTION_BOUND,
};
use crate::scenario::error::{ParseError, Pos};
use crate::scenario::lexer::Token;

/// Explorer budgets when a line leaves them out.
const DEFAULT_PREEMPTION_BOUND: usize = 2;
const DEFAULT_SHUTTLE_ITERATIONS: usize = 1000;
const DEFAULT_PCT_DEPTH: usize = 3;

impl Parser<'_> {
    /// Parses one concurrent declaration after its keyword `word` at `pos`.
    pub(super) fn concurrent_item(&mut self, word: &str, pos: Pos, scenario: &mut Scenario) -> Result<(), ParseError> {
        match word {
            "thread" => {
                let block = self.thread_block(pos, scenario)?;
                scenario.concurrent.threads.push(block);
            }
            "explore" => {
                let explorer = self.explorer()?;
                scenario.concurrent.explorers.push((pos, explorer));
            }
            "knob" => {
                let knob = self.knob()?;
                scenario.concurrent.knobs.push((pos, knob));
            }
            _ => {
                let expectation = self.expectation(pos)?;
                scenario.concurrent.expectations.push(expectation);
            }
        }
        Ok(())
    }

    fn thread_block(&mut self, pos: Pos, scenario: &Scenario) -> Result<ThreadBlock, ParseError> {
        let name_pos = self.pos();
        let name = self.word("a thread name")?;
        if name.contains('.') {
            return Err(self.error_at(name_pos, "a thread name without `.`", format!("`{name}`")));
        }
        if scenario.concurrent.threads.iter().any(|thread| thread.name == name) {
            return Err(self.error_at(name_pos, "a thread name not used before", format!("`{name}`")));
        }
        let cred = self.as_cred(scenario)?;
        self.punct("{")?;
        let mut ops = Vec::new();
        while !self.is_punct("}") {
            if self.peek() == &Token::Eof {
                return Err(self.error("`}` closing the thread block"));
            }
            ops.push(self.thread_op()?);
        }
        self.next();
        Ok(ThreadBlock { pos, name, cred, ops })
    }

    fn thread_op(&mut self) -> Result<ThreadOp, ParseError> {
        let pos = self.pos();
        let rcu_only = self.is_word("rcu_only") && {
            self.next();
            true
        };
        let call_pos = self.pos();
        let call = self.call()?;
        let action = self.thread_action(call, call_pos, rcu_only)?;
        let expect = if self.is_punct("=>") {
            self.next();
            Some(self.alternatives()?)
        } else {
            None
        };
        Ok(ThreadOp { pos, action, expect })
    }

    fn thread_action(&mut self, call: Call, call_pos: Pos, rcu_only: bool) -> Result<ThreadAction, ParseError> {
        let is_read = matches!(call.name.as_str(), "getxattr" | "lgetxattr" | "fgetxattr" | "listxattr" | "llistxattr" | "flistxattr");
        if rcu_only && !is_read {
            let expected = "a get or list call after `rcu_only` (only readers can hold RCU alone)";
            return Err(self.error_at(call_pos, expected, format!("`{}`", call.name)));
        }
        match call.name.as_str() {
            "evict_inode" => match call.args.as_slice() {
                [target] => Ok(ThreadAction::Evict { target: target.clone() }),
                _ => Err(self.error_at(call_pos, "one argument for `evict_inode` (an fd name or a path)", call.args.len().to_string())),
            },
            "synchronize_rcu" if call.args.is_empty() => Ok(ThreadAction::SynchronizeRcu),
            "synchronize_rcu" => Err(self.error_at(call_pos, "no arguments for `synchronize_rcu`", call.args.len().to_string())),
            _ => {
                validate_call(&call, &self.fd_names, 0).map_err(|(at, expected, found)| self.error_at(at.unwrap_or(call_pos), &expected, found))?;
                let access = if rcu_only { Access::RcuOnly } else { Access::InodeRef };
                Ok(ThreadAction::Call { call, access })
            }
        }
    }

    /// `checks ("or" checks)*`.
    fn alternatives(&mut self) -> Result<Vec<Vec<Check>>, ParseError> {
        let mut alternatives = vec![self.checks()?];
        while self.is_word("or") {
            self.next();
            alternatives.push(self.checks()?);
        }
        Ok(alternatives)
    }

    /// Parses `KEY = NUMBER` pairs in any order and rejects a key given twice.
    fn settings(&mut self, keys: &[&str]) -> Result<Vec<(String, u64)>, ParseError> {
        let mut settings: Vec<(String, u64)> = Vec::new();
        while let Token::Word(key) = self.peek().clone() {
            if !matches!(self.peek_at(1), Token::Punct("=")) {
                break;
            }
            let pos = self.pos();
            if !keys.contains(&key.as_str()) || settings.iter().any(|(seen, _)| *seen == key) {
                let expected = format!("one of the settings {} (each at most once)", keys.join(", "));
                return Err(self.error_at(pos, &expected, format!("`{key}`")));
            }
            self.next();
            self.next();
            let value_pos = self.pos();
            let number = self.number(&format!("a number for `{key}`"))?;
            if number == 0 && (key == "iterations" || key == "max") {
                // A budget of 0 explores nothing, so every expectation would pass unchecked.
                return Err(self.error_at(value_pos, &format!("a budget of at least 1 schedule for `{key}`"), "0".to_owned()));
            }
            settings.push((key, number));
        }
        Ok(settings)
    }

    fn explorer(&mut self) -> Result<Explorer, ParseError> {
        let pos = self.pos();
        let name = self.word("an explorer (loom, shuttle-random, shuttle-pct, shuttle-dfs)")?;
        let setting_pos = self.pos();
        let value = |settings: &[(String, u64)], key: &str, default: u64| {
            settings.iter().find(|(seen, _)| seen == key).map_or(default, |(_, value)| *value)
        };
        let explorer = match name.as_str() {
            "loom" => {
                let settings = self.settings(&["preemption_bound"])?;
                let bound = value(&settings, "preemption_bound", DEFAULT_PREEMPTION_BOUND as u64);
                if bound > MAX_LOOM_PREEMPTION_BOUND as u64 {
                    let expected = format!("a preemption bound of at most {MAX_LOOM_PREEMPTION_BOUND}");
                    return Err(self.error_at(setting_pos, &expected, bound.to_string()));
                }
                Explorer::Loom { preemption_bound: bound as usize }
            }
            "shuttle-random" => {
                let settings = self.settings(&["iterations", "seed"])?;
                let iterations = to_usize(value(&settings, "iterations", DEFAULT_SHUTTLE_ITERATIONS as u64));
                Explorer::ShuttleRandom { seed: value(&settings, "seed", 0), iterations }
            }
            "shuttle-pct" => {
                let settings = self.settings(&["iterations", "depth", "seed"])?;
                let iterations = to_usize(value(&settings, "iterations", DEFAULT_SHUTTLE_ITERATIONS as u64));
                let depth = to_usize(value(&settings, "depth", DEFAULT_PCT_DEPTH as u64));
                if depth == 0 {
                    return Err(self.error_at(setting_pos, "a PCT depth of 1 or more", "0".to_owned()));
                }
                Explorer::ShuttlePct { seed: value(&settings, "seed", 0), iterations, depth }
            }
            "shuttle-dfs" => {
                let settings = self.settings(&["max"])?;
                let max_iterations = settings.first().map(|(_, max)| to_usize(*max));
                Explorer::ShuttleDfs { max_iterations }
            }
            _ => {
                let expected = "an explorer (loom, shuttle-random, shuttle-pct, shuttle-dfs)";
                return Err(self.error_at(pos, expected, format!("`{name}`")));
            }
        };
        Ok(explorer)
    }

    fn knob(&mut self) -> Result<Knob, ParseError> {
        let pos = self.pos();
        let name = self.word("a knob (writers, publication, accounting, limits, fault, mutant, rehash)")?;
        match name.as_str() {
            "writers" => self.knob_choice(&[("serialized", Knob::WritersSerialized(true)), ("unserialized", Knob::WritersSerialized(false))]),
            "publication" => self.knob_choice(&[
                ("release", Knob::Publication(Publication::ReleaseStore)),
                ("cmpxchg", Knob::Publication(Publication::CompareExchange)),
            ]),
            "accounting" => self.knob_choice(&[
                ("pre-increment", Knob::Accounting(Accounting::PreIncrement)),
                ("net-delta", Knob::Accounting(Accounting::NetDelta)),
            ]),
            "rehash" => self.knob_choice(&[
                ("thread", Knob::Rehash(RehashWorker::Thread)),
                ("at-finish", Knob::Rehash(RehashWorker::AtFinish)),
            ]),
            "limits" => self.limits_knob(),
            "fault" => self.fault_knob(),
            "mutant" => {
                let mutant_pos = self.pos();
                let name = self.word("a mutant name such as free-without-grace-period")?;
                name.parse::<Mutant>().map(Knob::Mutant).map_err(|_| {
                    let expected = format!("a mutant name ({})", Mutant::ALL.map(Mutant::name).join(", "));
                    self.error_at(mutant_pos, &expected, format!("`{name}`"))
                })
            }
            _ => Err(self.error_at(pos, "a knob (writers, publication, accounting, limits, fault, mutant, rehash)", format!("`{name}`"))),
        }
    }

    /// `= CHOICE` where each choice maps to a knob.
    fn knob_choice(&mut self, choices: &[(&str, Knob)]) -> Result<Knob, ParseError> {
        self.punct("=")?;
        let pos = self.pos();
        let names: Vec<&str> = choices.iter().map(|(name, _)| *name).collect();
        let expected = format!("one of {}", names.join(", "));
        let word = self.word(&expected)?;
        choices
            .iter()
            .find(|(name, _)| *name == word)
            .map(|(_, knob)| knob.clone())
            .ok_or_else(|| self.error_at(pos, &expected, format!("`{word}`")))
    }

    fn limits_knob(&mut self) -> Result<Knob, ParseError> {
        let pos = self.pos();
        let settings = self.settings(&["nr", "size"])?;
        if settings.is_empty() {
            return Err(self.error_at(pos, "`nr=ENTRIES` or `size=BYTES` after `limits`", self.peek().describe()));
        }
        let find = |key: &str| settings.iter().find(|(seen, _)| seen == key).map(|(_, value)| to_usize(*value));
        Ok(Knob::Limits { max_nr: find("nr"), max_size: find("size") })
    }

    fn fault_knob(&mut self) -> Result<Knob, ParseError> {
        let point_pos = self.pos();
        let name = self.word("a fault point such as simple_xattr_alloc")?;
        let point = name.parse::<FaultPoint>().map_err(|_| {
            let expected = format!("a fault point ({})", FaultPoint::ALL.map(FaultPoint::name).join(", "));
            self.error_at(point_pos, &expected, format!("`{name}`"))
        })?;

        let mut hit = 1;
        if self.is_word("hit") {
            let hit_pos = self.pos();
            hit = to_usize(u64::from(self.assigned_number("hit")?));
            if hit == 0 {
                return Err(self.error_at(hit_pos, "a hit count of 1 or more (the first arrival is hit=1)", "0".to_owned()));
            }
        }
        let mut errno = point.allowed_errors()[0];
        if self.is_word("errno") {
            self.next();
            self.punct("=")?;
            let errno_pos = self.pos();
            let word = self.word("an errno name")?;
            let allowed: Vec<String> = point.allowed_errors().iter().map(ToString::to_string).collect();
            let expected = format!("an errno that {name} can inject ({})", allowed.join(", "));
            errno = Errno::from_name(&word)
                .filter(|errno| point.allowed_errors().contains(errno))
                .ok_or_else(|| self.error_at(errno_pos, &expected, format!("`{word}`")))?;
        }
        Ok(Knob::Fault(Fault { point, hit, errno }))
    }

    fn expectation(&mut self, pos: Pos) -> Result<Expectation, ParseError> {
        let word_pos = self.pos();
        let word = self.word("`always`, `sometimes`, `never` or `finds`")?;
        let kind = match word.as_str() {
            "finds" => self.finding()?,
            "always" if self.peek_property().is_some() => {
                let property = self.peek_property().unwrap_or(Property::Invariants);
                self.next();
                ExpectKind::Property(property)
            }
            "always" => self.result_expectation(Modality::Always)?,
            "sometimes" => self.result_expectation(Modality::Sometimes)?,
            "never" => self.result_expectation(Modality::Never)?,
            _ => return Err(self.error_at(word_pos, "`always`, `sometimes`, `never` or `finds`", format!("`{word}`"))),
        };
        let designs = if self.is_word("on") {
            self.next();
            self.words_while_design()?
        } else {
            Vec::new()
        };
        Ok(Expectation { pos, designs, kind })
    }

    fn peek_property(&self) -> Option<Property> {
        match self.peek() {
            Token::Word(word) => Property::ALL.into_iter().find(|property| property.name() == word),
            _ => None,
        }
    }

    fn finding(&mut self) -> Result<ExpectKind, ParseError> {
        let pos = self.pos();
        let expected = format!("a report class ({})", FINDING_CLASSES.join(", "));
        let class = self.word(&expected)?;
        if !FINDING_CLASSES.contains(&class.as_str()) {
            return Err(self.error_at(pos, &expected, format!("`{class}`")));
        }
        Ok(ExpectKind::Finds(class))
    }

    fn result_expectation(&mut self, modality: Modality) -> Result<ExpectKind, ParseError> {
        let target = self.target()?;
        self.punct("=>")?;
        let alternatives = self.alternatives()?;
        if let Target::Final { .. } = target {
            self.check_final_alternatives(&alternatives)?;
        }
        Ok(ExpectKind::Result { modality, target, alternatives })
    }

    fn target(&mut self) -> Result<Target, ParseError> {
        let pos = self.pos();
        let expected = "`THREAD.INDEX` (such as T2.0), `final OBJECT` or a property (no-use-after-free, no-double-free, no-leak, invariants, linearizable)";
        let word = self.word(expected)?;
        if word == "final" {
            let object_pos = self.pos();
            let object = match self.peek().clone() {
                Token::Word(name) => Arg::Words(vec![name]),
                Token::Str(bytes) => Arg::Bytes(bytes),
                _ => return Err(self.error("an fd name or a path after `final`")),
            };
            self.next();
            return Ok(Target::Final { object: (object_pos, object) });
        }
        let split = word.rsplit_once('.').and_then(|(thread, index)| Some((thread.to_owned(), index.parse::<usize>().ok()?)));
        match split {
            Some((thread, index)) if !thread.is_empty() => Ok(Target::Op { thread, index }),
            _ => Err(self.error_at(pos, expected, format!("`{word}`"))),
        }
    }

    /// Final contents are names, so only name checks apply.
    fn check_final_alternatives(&self, alternatives: &[Vec<Check>]) -> Result<(), ParseError> {
        let pos = self.pos();
        for check in alternatives.iter().flatten() {
            if !matches!(check, Check::Names(_) | Check::Contains(_) | Check::Lacks(_)) {
                return Err(self.error_at(pos, "name checks (names, contains, lacks) for final contents", format!("{check:?}")));
            }
        }
        Ok(())
    }
}

fn to_usize(value: u64) -> usize {
    usize::try_from(value).unwrap_or(usize::MAX)
}
