//! `cargo xtask ci`: the pipeline as named steps, in the order that fails fastest. Every step runs unless
//! `--only` or `--skip` chooses otherwise (CI passes neither); the installers of the chosen steps run
//! first.

use clap::ValueEnum;

use crate::util::{self, Result, cargo};
use crate::{audit, c, codegen, fuzz, live_page, mobile, mobile_artefacts, release, server, setup, wasm};

/// One step of the pipeline; its name on the command line is the variant's, in lower case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Step {
    /// `cargo fmt --check`
    Format,
    /// `cargo xtask codegen --check`: every binding's code lists match the engine's
    Codegen,
    /// clippy with `-D warnings` on every crate and target
    Clippy,
    /// every Rust test of the workspace, and the engine without default features
    Rust,
    /// cargo-deny and the engine's duplicate-free dependency tree
    Audit,
    /// a short run of every fuzz target
    Fuzz,
    /// the C library: header, install, tests plain, under valgrind and sanitizers, C++ consumers
    C,
    /// the server's tests on SQLite and PostgreSQL
    Server,
    /// the npm package: build, types, node tests, the vectors, the demo and a Vite-built page in Chromium
    Wasm,
    /// the server's live issuer page driven in Chromium: a wallet, a restart, signed webhooks
    LivePage,
    /// the Python, Kotlin and Swift bindings' tests
    Mobile,
    /// iOS and Android static libraries, the XCFramework and classes.jar, each checked
    MobileArtefacts,
    /// `cargo xtask release --dry-run`: every package as a registry would receive it
    Release,
}

impl Step {
    /// Every step, in pipeline order.
    pub const ALL: [Step; 13] = [
        Step::Format,
        Step::Codegen,
        Step::Clippy,
        Step::Rust,
        Step::Audit,
        Step::Fuzz,
        Step::C,
        Step::Server,
        Step::Wasm,
        Step::LivePage,
        Step::Mobile,
        Step::MobileArtefacts,
        Step::Release,
    ];

    fn title(self) -> &'static str {
        match self {
            Step::Format => "format",
            Step::Codegen => "generated code lists",
            Step::Clippy => "clippy",
            Step::Rust => "rust tests",
            Step::Audit => "dependency audit",
            Step::Fuzz => "fuzz",
            Step::C => "c binding",
            Step::Server => "server",
            Step::Wasm => "wasm package",
            Step::LivePage => "live issuer page",
            Step::Mobile => "mobile bindings",
            Step::MobileArtefacts => "mobile artefacts",
            Step::Release => "release dry run",
        }
    }

    fn run(self) -> Result {
        match self {
            Step::Format => cargo(&["fmt", "--all", "--check"]),
            Step::Codegen => codegen::command(true),
            Step::Clippy => cargo(&["clippy", "--workspace", "--all-targets", "--", "-D", "warnings"]),
            Step::Rust => test_rust(),
            Step::Audit => audit::ci(),
            Step::Fuzz => fuzz::ci(),
            Step::C => c::ci(),
            Step::Server => server::ci(),
            Step::Wasm => wasm::ci(),
            Step::LivePage => live_page::test(),
            Step::Mobile => mobile::ci(),
            Step::MobileArtefacts => mobile_artefacts::command(),
            Step::Release => release::dry_run(),
        }
    }
}

impl Step {
    /// Installs what this step needs and this machine lacks.
    fn install(self) -> Result {
        match self {
            Step::Format | Step::Clippy => setup::rust_components(),
            Step::Codegen | Step::Rust => Ok(()),
            Step::Audit => setup::cargo_deny().map(drop),
            Step::Fuzz => setup::fuzz_tools().map(drop),
            Step::C => {
                setup::c_compilers()?;
                setup::cmake()?;
                setup::cbindgen().map(drop)
            }
            Step::Server => setup::postgresql(),
            Step::Wasm | Step::LivePage => {
                setup::wasm_tools()?;
                setup::npm_packages()?;
                setup::chromium()
            }
            Step::Mobile => setup::mobile_tools().map(drop),
            Step::MobileArtefacts => mobile_artefacts::install(),
            Step::Release => {
                setup::c_compilers()?;
                setup::cmake()?;
                setup::wasm_tools()?;
                setup::npm_packages()
            }
        }
    }
}

/// `cargo xtask setup`: what every step needs.
pub fn setup() -> Result {
    Step::ALL.into_iter().try_for_each(Step::install)
}

/// Which steps to run.
#[derive(Debug, clap::Args)]
pub struct Selection {
    /// Run only these steps (comma-separated, run in pipeline order)
    #[arg(long, value_name = "STEP", value_delimiter = ',', conflicts_with = "skip")]
    only: Vec<Step>,
    /// Run every step but these (comma-separated)
    #[arg(long, value_name = "STEP", value_delimiter = ',')]
    skip: Vec<Step>,
}

impl Selection {
    /// The chosen steps in pipeline order, each once.
    fn steps(&self) -> Result<Vec<Step>> {
        let steps: Vec<Step> = Step::ALL
            .into_iter()
            .filter(|step| self.only.is_empty() || self.only.contains(step))
            .filter(|step| !self.skip.contains(step))
            .collect();
        if steps.is_empty() {
            return Err("--skip leaves no step to run".into());
        }
        Ok(steps)
    }
}

/// `cargo xtask ci`: installs what the chosen steps need, runs them, prints how long each took.
pub fn run(selection: &Selection) -> Result {
    let steps = selection.steps()?;
    util::step("setup", || steps.iter().try_for_each(|&step| step.install()))?;
    for step in steps {
        util::step(step.title(), || step.run())?;
    }
    util::summary();
    Ok(())
}

/// `cargo xtask test-rust`: every crate's tests, then the engine as embedders without default features
/// build it.
pub fn test_rust() -> Result {
    cargo(&["test", "--workspace"])?;
    cargo(&["test", "--package", "credoffer", "--no-default-features", "--lib"])
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Debug, Parser)]
    struct Command {
        #[command(flatten)]
        selection: Selection,
    }

    fn steps(args: &[&str]) -> Result<Vec<Step>> {
        let command = Command::try_parse_from(std::iter::once("ci").chain(args.iter().copied()))?;
        command.selection.steps()
    }

    #[test]
    fn every_step_runs_by_default_in_pipeline_order() {
        assert_eq!(steps(&[]).unwrap(), Step::ALL);
    }

    #[test]
    fn only_keeps_pipeline_order_and_runs_each_step_once() {
        assert_eq!(steps(&["--only", "wasm,c,wasm"]).unwrap(), [Step::C, Step::Wasm]);
        assert_eq!(steps(&["--only", "mobile", "--only", "format"]).unwrap(), [Step::Format, Step::Mobile]);
    }

    #[test]
    fn skip_drops_the_named_steps() {
        let expected = [
            Step::Format,
            Step::Codegen,
            Step::Clippy,
            Step::Rust,
            Step::Audit,
            Step::C,
            Step::Server,
            Step::Wasm,
            Step::LivePage,
            Step::Release,
        ];
        assert_eq!(steps(&["--skip", "fuzz,mobile,mobile-artefacts"]).unwrap(), expected);
        let every_name = Step::ALL.map(|step| step.to_possible_value().unwrap().get_name().to_owned()).join(",");
        assert!(steps(&["--skip", &every_name]).unwrap_err().to_string().contains("no step"));
    }

    #[test]
    fn an_unknown_step_is_refused_with_the_valid_names() {
        let error = steps(&["--only", "c,nonsense"]).unwrap_err().to_string();
        assert!(error.contains("nonsense"), "{error}");
        assert!(
            error.contains(
                "format, codegen, clippy, rust, audit, fuzz, c, server, wasm, live-page, mobile, mobile-artefacts, release"
            ),
            "{error}"
        );
    }

    #[test]
    fn only_and_skip_are_exclusive() {
        assert!(steps(&["--only", "c", "--skip", "wasm"]).is_err());
    }
}
