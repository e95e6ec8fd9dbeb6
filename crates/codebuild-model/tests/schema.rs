//! The committed JSON Schemas: current, valid for every good fixture, strict
//! for unknown fields and values, and in line with the upstream service model.

mod common;

use std::collections::BTreeSet;
use std::path::PathBuf;

use codebuild_model::{build_schema, response_schema, schema_text};
use common::{fixtures, testdata};
use serde_json::Value;

fn schemas_dir() -> PathBuf {
    testdata().join("../schemas")
}

const REFRESH: &str = "UPDATE_SCHEMAS=1 cargo test -p codebuild-model --test schema";

#[test]
fn committed_schemas_are_current() {
    for (file, schema) in [
        ("batch-get-builds-response.schema.json", response_schema()),
        ("build.schema.json", build_schema()),
    ] {
        let path = schemas_dir().join(file);
        let want = schema_text(&schema);
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

fn validator(schema: &codebuild_model::Schema) -> jsonschema::Validator {
    jsonschema::draft202012::new(schema.as_value()).expect("the schema compiles")
}

fn load(path: &std::path::Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

/// Validates a fixture: a response object, or an array of builds.
fn errors(path: &std::path::Path) -> Vec<String> {
    let value = load(path);
    let (v, items) = match &value {
        Value::Array(builds) => (validator(&build_schema()), builds.clone()),
        other => (validator(&response_schema()), vec![other.clone()]),
    };
    items
        .iter()
        .flat_map(|i| {
            v.iter_errors(i)
                .map(|e| format!("{}: {e}", e.instance_path()))
        })
        .collect()
}

#[test]
fn valid_dumps_pass_the_schema() {
    for path in fixtures("responses") {
        let errors = errors(&path);
        assert!(errors.is_empty(), "{}: {errors:#?}", path.display());
    }
}

#[test]
fn lenient_dumps_fail_the_schema() {
    for path in fixtures("lenient") {
        assert!(!errors(&path).is_empty(), "{} passed", path.display());
    }
}

#[test]
fn schema_rejects_each_kind_of_deviation() {
    let v = validator(&build_schema());
    let ok = serde_json::json!({"id": "a:1", "buildStatus": "SUCCEEDED", "startTime": 1479832341.854,
        "endTime": "2016-11-22 16:34:34.764000+00:00", "phases": [{"phaseType": "BUILD"}]});
    assert!(v.is_valid(&ok));
    let bad = [
        serde_json::json!({"buildStatus": "PENDING"}),
        serde_json::json!({"mystery": 1}),
        serde_json::json!({"phases": [{"phaseType": "BUILD", "extra": true}]}),
        serde_json::json!({"buildNumber": "12"}),
        serde_json::json!({"startTime": "2016-11-22T16:34:34"}),
        serde_json::json!({"startTime": true}),
        serde_json::json!({"environment": null}),
        serde_json::json!({"environment": {"computeType": "BUILD_GENERAL1_4XLARGE"}}),
    ];
    for b in bad {
        assert!(!v.is_valid(&b), "{b} passed");
    }
}

// ---- conformance with the upstream service model ----

struct Upstream {
    shapes: serde_json::Map<String, Value>,
}

impl Upstream {
    fn load() -> Self {
        let v = load(&testdata().join("upstream/codebuild-batch-get-builds-shapes.json"));
        assert_eq!(v["root"], "BatchGetBuildsOutput");
        Upstream {
            shapes: v["shapes"].as_object().unwrap().clone(),
        }
    }
    fn shape(&self, name: &str) -> &Value {
        &self.shapes[name]
    }
}

/// The model's schema of a shape: the root for `BatchGetBuildsOutput`, else `$defs`.
fn model_def<'a>(root: &'a Value, shape: &str) -> &'a Value {
    if shape == "BatchGetBuildsOutput" {
        root
    } else {
        root["$defs"]
            .get(shape)
            .unwrap_or_else(|| panic!("the model has no type named after shape {shape}"))
    }
}

/// Checks that `prop` (a property schema of the model) describes upstream shape `shape`.
fn check(
    up: &Upstream,
    root: &Value,
    at: &str,
    shape: &str,
    prop: &Value,
    seen: &mut BTreeSet<String>,
) {
    let s = up.shape(shape);
    let kind = s["type"].as_str().unwrap();
    let ref_name = prop
        .get("$ref")
        .and_then(Value::as_str)
        .map(|r| r.trim_start_matches("#/$defs/"));
    match kind {
        "structure" => {
            assert_eq!(
                ref_name,
                Some(shape),
                "{at}: expected a reference to {shape}"
            );
            check_structure(up, root, shape, seen);
        }
        "list" => {
            assert_eq!(prop["type"], "array", "{at}: expected an array");
            let member = s["member"].as_str().unwrap();
            check(up, root, &format!("{at}[]"), member, &prop["items"], seen);
        }
        "string" if s.get("enum").is_some() => {
            assert_eq!(ref_name, Some(shape), "{at}: expected enum {shape}");
            let model: BTreeSet<&str> = model_def(root, shape)["enum"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_str().unwrap())
                .collect();
            for value in s["enum"].as_array().unwrap() {
                let value = value.as_str().unwrap();
                assert!(model.contains(value), "{at}: {shape} lacks {value}");
            }
        }
        "string" => assert_eq!(prop["type"], "string", "{at}: expected a string"),
        "integer" | "long" => assert_eq!(prop["type"], "integer", "{at}: expected an integer"),
        "boolean" => assert_eq!(prop["type"], "boolean", "{at}: expected a boolean"),
        "timestamp" => assert_eq!(ref_name, Some("Timestamp"), "{at}: expected a Timestamp"),
        other => panic!("{at}: unexpected upstream kind {other}"),
    }
}

fn check_structure(up: &Upstream, root: &Value, shape: &str, seen: &mut BTreeSet<String>) {
    if !seen.insert(shape.to_owned()) {
        return;
    }
    let def = model_def(root, shape);
    let props = def["properties"]
        .as_object()
        .unwrap_or_else(|| panic!("{shape}: no properties"));
    for (member, member_shape) in up.shape(shape)["members"].as_object().unwrap() {
        let prop = props
            .get(member)
            .unwrap_or_else(|| panic!("{shape}.{member} is missing from the model"));
        check(
            up,
            root,
            &format!("{shape}.{member}"),
            member_shape.as_str().unwrap(),
            prop,
            seen,
        );
    }
}

#[test]
fn model_covers_every_upstream_member_and_enum_value() {
    let up = Upstream::load();
    let root = response_schema().to_value();
    let mut seen = BTreeSet::new();
    check_structure(&up, &root, "BatchGetBuildsOutput", &mut seen);
    // Every structure reachable from the root was visited.
    let structures = up
        .shapes
        .iter()
        .filter(|(_, s)| s["type"] == "structure")
        .count();
    assert_eq!(seen.len(), structures, "visited {seen:?}");
}

#[test]
fn enum_values_upstream_are_known_variants() {
    use codebuild_model::*;
    let up = Upstream::load();
    type IsKnown = fn(&str) -> bool;
    let known: &[(&str, IsKnown)] = &[
        ("StatusType", |s| StatusType::from(s).is_known()),
        ("BuildPhaseType", |s| BuildPhaseType::from(s).is_known()),
        ("SourceType", |s| SourceType::from(s).is_known()),
        ("SourceAuthType", |s| SourceAuthType::from(s).is_known()),
        ("BucketOwnerAccess", |s| {
            BucketOwnerAccess::from(s).is_known()
        }),
        ("CacheType", |s| CacheType::from(s).is_known()),
        ("CacheMode", |s| CacheMode::from(s).is_known()),
        ("EnvironmentType", |s| EnvironmentType::from(s).is_known()),
        ("ComputeType", |s| ComputeType::from(s).is_known()),
        ("MachineType", |s| MachineType::from(s).is_known()),
        ("EnvironmentVariableType", |s| {
            EnvironmentVariableType::from(s).is_known()
        }),
        ("CredentialProviderType", |s| {
            CredentialProviderType::from(s).is_known()
        }),
        ("ImagePullCredentialsType", |s| {
            ImagePullCredentialsType::from(s).is_known()
        }),
        ("HostKernel", |s| HostKernel::from(s).is_known()),
        ("LogsConfigStatusType", |s| {
            LogsConfigStatusType::from(s).is_known()
        }),
        ("FileSystemType", |s| FileSystemType::from(s).is_known()),
    ];
    let upstream_enums: BTreeSet<&str> = up
        .shapes
        .iter()
        .filter(|(_, s)| s.get("enum").is_some())
        .map(|(k, _)| k.as_str())
        .collect();
    let covered: BTreeSet<&str> = known.iter().map(|(n, _)| *n).collect();
    assert_eq!(upstream_enums, covered);
    for (name, is_known) in known {
        for v in up.shape(name)["enum"].as_array().unwrap() {
            assert!(
                is_known(v.as_str().unwrap()),
                "{name}::{v} is not a known variant"
            );
        }
    }
}
