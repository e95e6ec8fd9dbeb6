//! Any bytes that parse as a response serialize to JSON that parses back equal.
#![no_main]

use codebuild_model::BatchGetBuildsResponse;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(response) = codebuild_model::from_slice::<BatchGetBuildsResponse>(data) {
        let json = serde_json::to_vec(&response).expect("a response serializes");
        let again: BatchGetBuildsResponse = codebuild_model::from_slice(&json)
            .unwrap_or_else(|e| panic!("re-parse failed: {e}\n{}", String::from_utf8_lossy(&json)));
        assert_eq!(response, again, "round trip changed the response");
    }
});
