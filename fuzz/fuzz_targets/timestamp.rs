//! Any string that parses as a timestamp displays in a form that parses back
//! to the same instant; JSON numbers and strings never panic either.
#![no_main]

use codebuild_model::Timestamp;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(t) = Timestamp::parse(text) {
        let shown = t.to_string();
        let again = Timestamp::parse(&shown)
            .unwrap_or_else(|e| panic!("display of {text:?} does not re-parse: {e}"));
        assert_eq!(t, again, "{text:?} -> {shown}");
        assert_eq!(Timestamp::from_unix_micros(t.unix_micros()), Some(t));
    }
    // The same text as a JSON value (epoch numbers, strings).
    if let Ok(t) = serde_json::from_str::<Timestamp>(text) {
        let json = serde_json::to_string(&t).expect("a timestamp serializes");
        let again: Timestamp =
            serde_json::from_str(&json).unwrap_or_else(|e| panic!("{json} does not re-parse: {e}"));
        assert_eq!(t, again);
    }
});
