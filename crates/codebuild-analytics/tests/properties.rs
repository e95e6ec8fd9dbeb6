//! Properties of loading: the names and order of an archive's files change
//! nothing but the `sourceFile` column.

use std::path::{Path, PathBuf};

use codebuild_analytics::polars::prelude::*;
use codebuild_analytics::{Archive, LoadOptions, LoadReport};
use proptest::prelude::*;

fn responses() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/responses");
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    files
}

/// Every frame without `sourceFile`, rows stably sorted by build id.
///
/// The fixtures hold one build in ten timestamp forms: equal records, so
/// whichever the tie-break keeps (the first file in path order) gives the
/// same rows, except for the file name. Within one build, rows keep their
/// record order (phase index, list index), which a stable sort preserves.
fn normalized(archive: &Archive) -> Vec<(&'static str, DataFrame)> {
    archive
        .frames
        .iter()
        .map(|(name, df)| {
            let df = if df.get_column_names().iter().any(|c| *c == "sourceFile") {
                df.drop("sourceFile").unwrap()
            } else {
                df.clone()
            };
            let key = if name == "builds" { "id" } else { "buildId" };
            let df = df
                .sort(
                    [key],
                    SortMultipleOptions::default()
                        .with_maintain_order(true)
                        .with_nulls_last(true),
                )
                .unwrap();
            (name, df)
        })
        .collect()
}

/// The report without file names.
fn counts(r: &LoadReport) -> (usize, usize, u64, usize, usize, usize, usize, Vec<String>) {
    let mut not_found = r.builds_not_found.clone();
    not_found.sort();
    (
        r.files_read,
        r.files_skipped.len(),
        r.bytes_read,
        r.responses,
        r.builds_read,
        r.builds_kept,
        r.duplicates_dropped,
        not_found,
    )
}

fn load<P: AsRef<Path>>(paths: &[P]) -> Archive {
    Archive::load(
        paths,
        &LoadOptions {
            threads: Some(1),
            ..Default::default()
        },
    )
    .unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    #[test]
    fn loading_does_not_depend_on_file_names_or_order(
        order in Just((0..responses().len()).collect::<Vec<_>>()).prop_shuffle(),
        nested in proptest::collection::vec(any::<bool>(), responses().len()),
    ) {
        let files = responses();
        let reference = load(&files);
        prop_assert!(reference.report.duplicates_dropped > 0, "the fixtures hold duplicates");

        let dir = tempfile::tempdir().unwrap();
        for (rank, &i) in order.iter().enumerate() {
            // The permutation decides the sorted path order; some files sit in a sub-folder.
            let name = format!("{rank:02}-dump.json");
            let to = if nested[i] {
                std::fs::create_dir_all(dir.path().join("sub")).unwrap();
                dir.path().join("sub").join(format!("z{name}"))
            } else {
                dir.path().join(name)
            };
            std::fs::copy(&files[i], to).unwrap();
        }
        let shuffled = load(&[dir.path()]);

        prop_assert!(shuffled.report.balances());
        prop_assert_eq!(counts(&shuffled.report), counts(&reference.report));
        for ((name, a), (_, b)) in normalized(&reference).iter().zip(normalized(&shuffled).iter()) {
            prop_assert!(a.equals_missing(b), "frame {} differs:\n{}\n{}", name, a, b);
        }
    }
}

proptest! {
    /// Any partition value survives escaping into a folder name: the name
    /// uses only `[A-Za-z0-9._%-]` and non-ASCII characters (so no `/`, NUL
    /// or control character), is never `.` or `..`, and reads back as the
    /// value (the empty string reads back as null, as in Hive).
    #[test]
    fn partition_values_round_trip_through_folder_names(value in any::<String>()) {
        use codebuild_analytics::dataset::{escape_partition_value, unescape_partition_value};
        let name = escape_partition_value(Some(&value));
        prop_assert!(name.chars().all(|c| !c.is_ascii() || c.is_ascii_alphanumeric() || "._%-".contains(c)), "{}", name);
        prop_assert!(name != "." && name != "..");
        let back = unescape_partition_value(&name);
        if value.is_empty() {
            prop_assert_eq!(back, None);
        } else {
            prop_assert_eq!(back, Some(value));
        }
    }
}

#[test]
fn partition_value_edge_cases() {
    use codebuild_analytics::dataset::{
        NULL_PARTITION, escape_partition_value, unescape_partition_value,
    };
    assert_eq!(escape_partition_value(None), NULL_PARTITION);
    assert_eq!(escape_partition_value(Some("..")), "%2E%2E");
    assert_eq!(escape_partition_value(Some("a/b c")), "a%2Fb%20c");
    // Non-ASCII stays UTF-8 (Spark decodes `%C3%A9` as two characters).
    assert_eq!(escape_partition_value(Some("é")), "é");
    assert_eq!(unescape_partition_value("%C3%A9").as_deref(), Some("é"));
    assert_eq!(unescape_partition_value("%2E%2E").as_deref(), Some(".."));
    assert_eq!(unescape_partition_value(NULL_PARTITION), None);
    // Not escapes: a short or non-hex `%`, or bytes that are not UTF-8.
    assert_eq!(unescape_partition_value("%4"), None);
    assert_eq!(unescape_partition_value("%zz"), None);
    assert_eq!(unescape_partition_value("%FF"), None);
}
