//! The committed JSON Schemas of the library's own files and outputs
//! (price tables, comparisons): current, and valid for the committed files.

use std::path::PathBuf;

use codebuild_analytics::analysis::cost::{BUILTIN_PRICES_JSON, PriceTable};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

const REFRESH: &str = "UPDATE_SCHEMAS=1 cargo test -p codebuild-analytics --test schemas";

fn text(schema: &schemars::Schema) -> String {
    codebuild_model::schema_text(schema)
}

/// Every schema this crate commits, by file name under `schemas/`.
fn schemas() -> Vec<(&'static str, schemars::Schema)> {
    vec![
        ("prices.schema.json", PriceTable::json_schema()),
        (
            "compare.schema.json",
            codebuild_analytics::analysis::compare::Comparison::json_schema(),
        ),
        (
            "changes.schema.json",
            codebuild_analytics::analysis::changes::Changes::json_schema(),
        ),
    ]
}

#[test]
fn committed_schemas_are_current() {
    for (file, schema) in schemas() {
        let path = root().join("schemas").join(file);
        let want = text(&schema);
        if std::env::var_os("UPDATE_SCHEMAS").is_some() {
            std::fs::write(&path, &want).unwrap();
            continue;
        }
        let have = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            have == want,
            "{} is stale or missing; refresh it with:\n    {REFRESH}",
            path.display()
        );
    }
}

fn validator() -> jsonschema::Validator {
    jsonschema::draft202012::new(PriceTable::json_schema().as_value()).unwrap()
}

#[test]
fn the_price_tables_are_valid() {
    let v = validator();
    for (name, text) in [
        ("built-in", BUILTIN_PRICES_JSON.to_owned()),
        (
            "example",
            std::fs::read_to_string(root().join("testdata/prices/example-prices.json")).unwrap(),
        ),
    ] {
        let value: serde_json::Value = serde_json::from_str(&text).unwrap();
        let errors: Vec<String> = v.iter_errors(&value).map(|e| e.to_string()).collect();
        assert!(errors.is_empty(), "{name}: {errors:?}");
        PriceTable::from_json(&text, name).unwrap();
    }
    // The schema rejects what the reader rejects by shape.
    let bad = serde_json::json!({"source": "s", "asOf": "d", "currency": "USD",
        "prices": [{"region": "r", "environmentType": "e", "computeType": "c", "usdPerMinut": 1}]});
    assert!(!v.is_valid(&bad));
}
