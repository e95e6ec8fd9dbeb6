//! Prints a JSON Schema of the model: `response` (default) or `build`.
//!
//! `cargo run -p codebuild-model --example print_schema -- build`
fn main() {
    let which = std::env::args().nth(1).unwrap_or_else(|| "response".into());
    let schema = match which.as_str() {
        "build" => codebuild_model::build_schema(),
        "response" => codebuild_model::response_schema(),
        other => {
            eprintln!("unknown schema {other:?}: expected `response` or `build`");
            std::process::exit(2);
        }
    };
    print!("{}", codebuild_model::schema_text(&schema));
}
