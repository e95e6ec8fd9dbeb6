//! Any bytes that parse as a `Build` serialize to JSON that parses back equal.
#![no_main]

use codebuild_model::Build;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(build) = codebuild_model::from_slice::<Build>(data) {
        let json = serde_json::to_vec(&build).expect("a Build serializes");
        let again: Build = codebuild_model::from_slice(&json)
            .unwrap_or_else(|e| panic!("re-parse failed: {e}\n{}", String::from_utf8_lossy(&json)));
        assert_eq!(build, again, "round trip changed the build");
    }
});
