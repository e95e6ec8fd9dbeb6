//! The price table of the estimated costs: built in, or `--prices FILE`.
//!
//! Set once by `main` before a command runs (so the report sections, which
//! take no arguments of their own, all see the same table).

use std::sync::OnceLock;

use anyhow::Result;
use codebuild_analytics::analysis::cost::PriceTable;

use crate::cli::Cli;

static TABLE: OnceLock<PriceTable> = OnceLock::new();

/// Reads `--prices FILE` when given (a bad file is a usage error naming
/// the file and the place), else keeps the built-in table.
pub fn init(cli: &Cli) -> Result<()> {
    if let Some(path) = &cli.prices {
        let table = PriceTable::from_file(path).map_err(|e| crate::UsageError(e.to_string()))?;
        let _ = TABLE.set(table);
    }
    Ok(())
}

/// The price table in use.
pub fn table() -> &'static PriceTable {
    TABLE.get().unwrap_or_else(|| PriceTable::builtin())
}
