//! `xattrsim model-check`: runs the model's built-in suite (small
//! concurrent programs with their properties) against every registered
//! design under loom and shuttle, and prints one row per run.

use std::time::Instant;

use xattr_model::config::{Capacities, ModelConfig};
use xattr_model::design::Registry;
use xattr_model::explore::{explore, Builtin, Exploration, Explorer};
use xattr_model::runtime::StdRuntime;
use xattr_model::suite::{cases, Case};

use crate::exit;

/// Options of `model-check`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Check only this design (repeat for several); default: every
    /// registered design.
    #[arg(long = "design", value_name = "NAME")]
    pub designs: Vec<String>,

    /// Schedules per case for each shuttle scheduler.
    #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u64).range(1..), value_name = "SCHEDULES")]
    pub iterations: u64,

    /// loom's preemption bound (at most 3: larger bounds do not finish in
    /// reasonable time with three threads).
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u8).range(0..=3), value_name = "N")]
    pub preemption_bound: u8,

    /// Seed of the shuttle schedulers and of design B's hash.
    #[arg(long, default_value_t = 1, value_name = "SEED")]
    pub seed: u64,
}

/// One row of the table.
struct Row {
    case: &'static str,
    design: String,
    result: Exploration,
}

pub fn run(args: Args) -> i32 {
    let registry = Registry::<StdRuntime>::builtin();
    let designs = if args.designs.is_empty() {
        registry.names().into_iter().map(str::to_owned).collect()
    } else {
        args.designs.clone()
    };
    for design in &designs {
        if let Err(error) = registry.get(design) {
            eprintln!("error: invalid --design value: {error}");
            return exit::BAD_INPUT;
        }
    }

    let started = Instant::now();
    let mut rows = Vec::new();
    for case in cases() {
        for design in &designs {
            for explorer in explorers(&args, &case) {
                match run_one(&case, design, explorer, args.seed) {
                    Ok(result) => rows.push(Row { case: case.name, design: design.clone(), result }),
                    Err(message) => {
                        eprintln!("error: checker-internal failure in {} on {design}: {message}", case.name);
                        return exit::INTERNAL;
                    }
                }
            }
        }
    }

    print_table(&rows);
    print_memory_costs(&registry, &designs);
    let failed = rows.iter().filter(|row| !row.result.passed()).count();
    let schedules: usize = rows.iter().map(|row| row.result.schedules).sum();
    println!(
        "\n{} runs, {schedules} schedules in {:.1} s: {} passed, {failed} failed",
        rows.len(),
        started.elapsed().as_secs_f64(),
        rows.len() - failed
    );
    print_failures(&rows);
    if failed == 0 {
        exit::SUCCESS
    } else {
        exit::VIOLATION
    }
}

fn explorers(args: &Args, case: &Case) -> Vec<Explorer> {
    let mut explorers = Vec::new();
    if case.loom {
        explorers.push(Explorer::Loom { preemption_bound: usize::from(args.preemption_bound) });
    }
    explorers.push(Explorer::ShuttlePct { seed: args.seed, iterations: args.iterations as usize, depth: 3 });
    explorers.push(Explorer::ShuttleRandom { seed: args.seed, iterations: args.iterations as usize });
    explorers
}

fn run_one(case: &Case, design: &str, explorer: Explorer, seed: u64) -> Result<Exploration, String> {
    let mut config = ModelConfig::new(design, Capacities::explorer());
    config.seed = seed;
    explore(explorer, &config, Builtin, &case.program, case.check()).map_err(|error| error.to_string())
}

fn print_table(rows: &[Row]) {
    println!("{:<26} {:<15} {:<15} {:>9} {:>9}  result", "case", "design", "explorer", "schedules", "seconds");
    for row in rows {
        let verdict = if row.result.passed() {
            "pass".to_owned()
        } else {
            format!("FAIL ({} schedules)", row.result.failing_schedules)
        };
        println!(
            "{:<26} {:<15} {:<15} {:>9} {:>9.2}  {verdict}",
            row.case,
            row.design,
            row.result.explorer.name(),
            row.result.schedules,
            row.result.elapsed.as_secs_f64()
        );
    }
}

/// Each design's memory cost per inode for one small xattr
/// (`user.test=foo`), beside the kernel's published figure.
fn print_memory_costs(registry: &Registry<StdRuntime>, designs: &[String]) {
    println!("\nmemory per inode for one small xattr (user.test=foo), from the kernel struct sizes each design models:");
    for design in designs {
        let Ok(entry) = registry.get(design) else { continue };
        let cost = (entry.memory_cost)(&[("user.test".len(), "foo".len())]);
        let published = match cost.published {
            Some((bytes, source)) => format!("published: about {bytes} bytes ({source})"),
            None => "no published figure".to_owned(),
        };
        println!("  {design:<15} {:>5} bytes   {published}", cost.total());
    }
}

fn print_failures(rows: &[Row]) {
    for row in rows.iter().filter(|row| !row.result.passed()) {
        println!("\n{} on {} under {}:", row.case, row.design, row.result.explorer);
        for failure in &row.result.failures {
            println!("  schedule {}:", failure.schedule);
            for problem in &failure.problems {
                println!("    {problem}");
            }
        }
    }
}
