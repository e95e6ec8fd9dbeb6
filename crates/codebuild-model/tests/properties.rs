//! Properties of the model: any `Build` round-trips through JSON, every
//! supported timestamp form reads back the instant it was written from, and
//! unknown enum strings survive serde byte for byte.

use codebuild_model::*;
use proptest::collection::vec;
use proptest::option::of;
use proptest::prelude::*;
use proptest::sample::select;

const CASES: u32 = 64;

/// Microseconds of `0001-01-01T00:00:00Z` and `9999-12-31T23:59:59.999999Z`.
const MIN_MICROS: i64 = -62_135_596_800_000_000;
const MAX_MICROS: i64 = 253_402_300_799_999_999;
const DAY_MICROS: i64 = 86_400_000_000;

/// Any text: every char (controls, quotes, backslashes, astral planes).
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        vec(any::<char>(), 0..12).prop_map(String::from_iter),
        "[a-zA-Z0-9 _./:-]{0,16}",
    ]
}

fn id() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z][a-z0-9-]{0,10}:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
        text(),
    ]
}

fn int() -> impl Strategy<Value = i64> {
    prop_oneof![any::<i64>(), -100i64..100, Just(i64::MIN), Just(i64::MAX)]
}

fn timestamp() -> impl Strategy<Value = Timestamp> {
    (MIN_MICROS..=MAX_MICROS).prop_map(|m| Timestamp::from_unix_micros(m).unwrap())
}

/// A known value or any other string (which may happen to be a known one).
fn enum_of<E: From<String> + std::fmt::Debug + 'static>(
    values: &'static [&'static str],
) -> BoxedStrategy<E> {
    prop_oneof![
        select(values).prop_map(|s| E::from(s.to_owned())),
        text().prop_map(E::from),
    ]
    .boxed()
}

/// Absent, empty or a few items.
fn list<T: std::fmt::Debug>(
    item: impl Strategy<Value = T>,
) -> impl Strategy<Value = Option<Vec<T>>> {
    of(vec(item, 0..3))
}

fn s() -> impl Strategy<Value = Option<String>> {
    of(text())
}

/// Any JSON value, a few levels deep.
fn json_value() -> impl Strategy<Value = serde_json::Value> {
    use serde_json::Value;
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        (-1e300f64..1e300).prop_map(Value::from),
        text().prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            vec(inner.clone(), 0..4).prop_map(Value::from),
            vec((text(), inner), 0..4).prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
}

/// Members no version of the model knows (`x-` names), any value, written
/// compactly or pretty (the text is kept as written).
fn unknown() -> impl Strategy<Value = UnknownMembers> {
    vec((text(), json_value(), any::<bool>()), 0..3).prop_map(|members| {
        members
            .into_iter()
            .map(|(name, value, pretty)| {
                let text = if pretty {
                    serde_json::to_string_pretty(&value)
                } else {
                    serde_json::to_string(&value)
                };
                let raw = serde_json::value::RawValue::from_string(text.unwrap()).unwrap();
                (format!("x-{name}"), raw)
            })
            .collect()
    })
}

prop_compose! {
    fn context()(status_code in s(), message in s(), unknown_members in unknown()) -> PhaseContext {
        PhaseContext { status_code, message, unknown_members }
    }
}

prop_compose! {
    fn phase()(
        phase_type in of(enum_of(BuildPhaseType::VALUES)),
        phase_status in of(enum_of(StatusType::VALUES)),
        start_time in of(timestamp()),
        end_time in of(timestamp()),
        duration_in_seconds in of(int()),
        contexts in list(context().boxed()),
        unknown_members in unknown(),
    ) -> BuildPhase {
        BuildPhase { phase_type, phase_status, start_time, end_time, duration_in_seconds, contexts, unknown_members }
    }
}

prop_compose! {
    fn source()(
        a in (of(enum_of(SourceType::VALUES)), s(), of(any::<i32>()), of(of(any::<bool>()))),
        b in (s(), of((of(enum_of(SourceAuthType::VALUES)), s()))),
        c in (of(any::<bool>()), of((s(), s())), of(any::<bool>()), s()),
        unknown_members in unknown(),
    ) -> ProjectSource {
        ProjectSource {
            r#type: a.0,
            location: a.1,
            git_clone_depth: a.2,
            git_submodules_config: a.3.map(|fetch_submodules| GitSubmodulesConfig { fetch_submodules, ..Default::default() }),
            buildspec: b.0,
            auth: b.1.map(|(r#type, resource)| SourceAuth { r#type, resource, ..Default::default() }),
            report_build_status: c.0,
            build_status_config: c.1.map(|(context, target_url)| BuildStatusConfig { context, target_url, ..Default::default() }),
            insecure_ssl: c.2,
            source_identifier: c.3,
            unknown_members,
        }
    }
}

prop_compose! {
    fn artifacts()(
        location in s(), sha256sum in s(), md5sum in s(),
        override_artifact_name in of(any::<bool>()), encryption_disabled in of(any::<bool>()),
        artifact_identifier in s(), bucket_owner_access in of(enum_of(BucketOwnerAccess::VALUES)),
    ) -> BuildArtifacts {
        BuildArtifacts {
            location, sha256sum, md5sum, override_artifact_name, encryption_disabled,
            artifact_identifier, bucket_owner_access, ..Default::default()
        }
    }
}

prop_compose! {
    fn environment()(
        a in (of(enum_of(EnvironmentType::VALUES)), s(), of(enum_of(ComputeType::VALUES))),
        config in of((of(int()), of(int()), of(int()), of(enum_of(MachineType::VALUES)), s())),
        fleet in of(s()),
        vars in list((s(), s(), of(enum_of(EnvironmentVariableType::VALUES)))),
        b in (of(any::<bool>()), s(), of((s(), of(enum_of(CredentialProviderType::VALUES))))),
        pull in of(enum_of(ImagePullCredentialsType::VALUES)),
        docker in of((of(enum_of(ComputeType::VALUES)), list(text()), of((s(), s())))),
        host_kernel in of(enum_of(HostKernel::VALUES)),
        unknown_members in unknown(),
    ) -> ProjectEnvironment {
        ProjectEnvironment {
            r#type: a.0,
            image: a.1,
            compute_type: a.2,
            compute_configuration: config.map(|(v_cpu, memory, disk, machine_type, instance_type)| {
                ComputeConfiguration { v_cpu, memory, disk, machine_type, instance_type, ..Default::default() }
            }),
            fleet: fleet.map(|fleet_arn| ProjectFleet { fleet_arn, ..Default::default() }),
            environment_variables: vars.map(|vs| {
                vs.into_iter()
                    .map(|(name, value, r#type)| EnvironmentVariable { name, value, r#type, ..Default::default() })
                    .collect()
            }),
            privileged_mode: b.0,
            certificate: b.1,
            registry_credential: b.2.map(|(credential, credential_provider)| RegistryCredential {
                credential,
                credential_provider,
                ..Default::default()
            }),
            image_pull_credentials_type: pull,
            docker_server: docker.map(|(compute_type, security_group_ids, status)| DockerServer {
                compute_type,
                security_group_ids,
                status: status.map(|(status, message)| DockerServerStatus { status, message, ..Default::default() }),
                ..Default::default()
            }),
            host_kernel,
            unknown_members,
        }
    }
}

prop_compose! {
    fn logs()(
        a in (s(), s(), s(), s(), s(), s()),
        cw in of((of(enum_of(LogsConfigStatusType::VALUES)), s(), s())),
        s3 in of((of(enum_of(LogsConfigStatusType::VALUES)), s(), of(any::<bool>()),
                  of(enum_of(BucketOwnerAccess::VALUES)))),
        unknown_members in unknown(),
    ) -> LogsLocation {
        LogsLocation {
            group_name: a.0,
            stream_name: a.1,
            deep_link: a.2,
            s3_deep_link: a.3,
            cloud_watch_logs_arn: a.4,
            s3_logs_arn: a.5,
            cloud_watch_logs: cw.map(|(status, group_name, stream_name)| CloudWatchLogsConfig {
                status, group_name, stream_name,
                ..Default::default()
            }),
            s3_logs: s3.map(|(status, location, encryption_disabled, bucket_owner_access)| {
                S3LogsConfig { status, location, encryption_disabled, bucket_owner_access, ..Default::default() }
            }),
            unknown_members,
        }
    }
}

prop_compose! {
    fn build()(
        a in (of(id()), s(), of(int()), of(timestamp()), of(timestamp()), s(),
              of(enum_of(StatusType::VALUES)), s(), s(), s()),
        b in (list(phase().boxed()), of(source().boxed()), list(source().boxed()), list((s(), s())),
              of(artifacts().boxed()), list(artifacts().boxed())),
        c in (of((of(enum_of(CacheType::VALUES)), s(), list(enum_of(CacheMode::VALUES)), s())),
              of(environment().boxed()), s(), of(logs().boxed()), of(any::<i32>()), of(any::<i32>()),
              of(any::<bool>()), s()),
        d in (of((s(), list(text()), list(text()))), of((s(), s())), s(),
              list((s(), s())), list(text())),
        e in (list((of(enum_of(FileSystemType::VALUES)), s(), s(), s(), s())),
              of((of(any::<bool>()), s())), s(),
              of((of(any::<i32>()), of(any::<i32>()), s(), s()))),
        unknown_members in unknown(),
    ) -> Build {
        Build {
            id: a.0,
            arn: a.1,
            build_number: a.2,
            start_time: a.3,
            end_time: a.4,
            current_phase: a.5,
            build_status: a.6,
            source_version: a.7,
            resolved_source_version: a.8,
            project_name: a.9,
            phases: b.0,
            source: b.1,
            secondary_sources: b.2,
            secondary_source_versions: b.3.map(|vs| {
                vs.into_iter()
                    .map(|(source_identifier, source_version)| ProjectSourceVersion {
                        source_identifier,
                        source_version,
                        ..Default::default()
                    })
                    .collect()
            }),
            artifacts: b.4,
            secondary_artifacts: b.5,
            cache: c.0.map(|(r#type, location, modes, cache_namespace)| ProjectCache {
                r#type, location, modes, cache_namespace,
                ..Default::default()
            }),
            environment: c.1,
            service_role: c.2,
            logs: c.3,
            timeout_in_minutes: c.4,
            queued_timeout_in_minutes: c.5,
            build_complete: c.6,
            initiator: c.7,
            vpc_config: d.0.map(|(vpc_id, subnets, security_group_ids)| VpcConfig {
                vpc_id, subnets, security_group_ids,
                ..Default::default()
            }),
            network_interface: d.1.map(|(subnet_id, network_interface_id)| NetworkInterface {
                subnet_id,
                network_interface_id,
                ..Default::default()
            }),
            encryption_key: d.2,
            exported_environment_variables: d.3.map(|vs| {
                vs.into_iter()
                    .map(|(name, value)| ExportedEnvironmentVariable { name, value, ..Default::default() })
                    .collect()
            }),
            report_arns: d.4,
            file_system_locations: e.0.map(|ls| {
                ls.into_iter()
                    .map(|(r#type, location, mount_point, identifier, mount_options)| {
                        ProjectFileSystemLocation { r#type, location, mount_point, identifier, mount_options, ..Default::default() }
                    })
                    .collect()
            }),
            debug_session: e.1.map(|(session_enabled, session_target)| DebugSession {
                session_enabled,
                session_target,
                ..Default::default()
            }),
            build_batch_arn: e.2,
            auto_retry_config: e.3.map(|(auto_retry_limit, auto_retry_number, next_auto_retry, previous_auto_retry)| {
                AutoRetryConfig { auto_retry_limit, auto_retry_number, next_auto_retry, previous_auto_retry, ..Default::default() }
            }),
            unknown_members,
        }
    }
}

/// How a timestamp is written.
#[derive(Clone, Debug)]
enum Form {
    /// `YYYY-MM-DD<sep>HH:MM:SS[.f]` then `Z`/`z` (offset `None`) or `±HH:MM`.
    Text {
        sep: char,
        digits: u32,
        zulu: char,
        offset_minutes: Option<i32>,
    },
    /// Epoch seconds as a JSON integer.
    EpochInt,
    /// Epoch seconds as a JSON decimal with this many fraction digits.
    EpochDecimal { digits: u32 },
}

fn form() -> impl Strategy<Value = Form> {
    prop_oneof![
        (
            select(vec!['T', 't', ' ']),
            0u32..=9,
            select(vec!['Z', 'z']),
            of(-(23 * 60 + 59)..=(23 * 60 + 59)),
        )
            .prop_map(|(sep, digits, zulu, offset_minutes)| Form::Text {
                sep,
                digits,
                zulu,
                offset_minutes,
            }),
        Just(Form::EpochInt),
        (1u32..=6).prop_map(|digits| Form::EpochDecimal { digits }),
    ]
}

/// Renders the instant `micros` (plus `extra_nanos` below the microsecond)
/// in `form`; returns the JSON text and the instant it must read back as.
fn render(micros: i64, extra_nanos: i64, form: &Form) -> (String, Timestamp) {
    use time::{OffsetDateTime, UtcOffset};
    let nanos = i128::from(micros) * 1000 + i128::from(extra_nanos);
    match *form {
        Form::Text {
            sep,
            digits,
            zulu,
            offset_minutes,
        } => {
            // The written fraction keeps `digits` digits of the nanoseconds.
            let unit = 10i128.pow(9 - digits);
            let written = nanos.div_euclid(unit) * unit;
            let utc = OffsetDateTime::from_unix_timestamp_nanos(written).unwrap();
            let (local, suffix) = match offset_minutes {
                None => (utc, zulu.to_string()),
                Some(m) => {
                    let off = UtcOffset::from_whole_seconds(m * 60).unwrap();
                    let sign = if m < 0 { '-' } else { '+' };
                    let a = m.abs();
                    (
                        utc.to_offset(off),
                        format!("{sign}{:02}:{:02}", a / 60, a % 60),
                    )
                }
            };
            let fraction = if digits == 0 {
                String::new()
            } else {
                let f = format!("{:09}", local.nanosecond());
                format!(".{}", &f[..digits as usize])
            };
            let text = format!(
                "\"{:04}-{:02}-{:02}{sep}{:02}:{:02}:{:02}{fraction}{suffix}\"",
                local.year(),
                u8::from(local.month()),
                local.day(),
                local.hour(),
                local.minute(),
                local.second(),
            );
            let want = written.div_euclid(1000) as i64;
            (text, Timestamp::from_unix_micros(want).unwrap())
        }
        Form::EpochInt => {
            let secs = micros.div_euclid(1_000_000);
            (
                secs.to_string(),
                Timestamp::from_unix_micros(secs * 1_000_000).unwrap(),
            )
        }
        Form::EpochDecimal { digits } => {
            // An f64 tells 5 and 6 fraction digits apart for |seconds| < 2^33
            // only (see `Timestamp`); fewer digits for every date.
            const LIMIT: i64 = (1 << 33) * 1_000_000;
            let micros = if digits >= 5 {
                micros.rem_euclid(2 * LIMIT) - LIMIT
            } else {
                micros
            };
            let unit = 10i64.pow(6 - digits);
            let m = micros.div_euclid(unit) * unit;
            let (sign, a) = if m < 0 { ("-", -m) } else { ("", m) };
            let frac = format!("{:06}", a % 1_000_000);
            let text = format!("{sign}{}.{}", a / 1_000_000, &frac[..digits as usize]);
            (text, Timestamp::from_unix_micros(m).unwrap())
        }
    }
}

/// Enum strings that are not known values, checked for several enums.
fn unknown_round_trips<E>(s: &str) -> Result<(), TestCaseError>
where
    E: serde::Serialize + serde::de::DeserializeOwned + std::fmt::Debug + PartialEq + AsRef<str>,
{
    let json = serde_json::to_string(s).unwrap();
    let e: E = serde_json::from_str(&json).unwrap();
    prop_assert_eq!(e.as_ref(), s);
    prop_assert_eq!(serde_json::to_string(&e).unwrap(), json);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(CASES))]

    #[test]
    fn every_timestamp_form_reads_the_instant_written(
        // A day of margin at both ends, so any offset's local time has 4 year digits.
        micros in (MIN_MICROS + DAY_MICROS)..=(MAX_MICROS - DAY_MICROS),
        extra_nanos in 0i64..1000,
        form in form(),
    ) {
        let (text, want) = render(micros, extra_nanos, &form);
        let got: Timestamp = serde_json::from_str(&text)
            .map_err(|e| TestCaseError::fail(format!("{text}: {e}")))?;
        prop_assert_eq!(got, want, "{}", text);
        // The canonical form reads back equal.
        prop_assert_eq!(Timestamp::parse(&got.to_string()), Ok(got));
    }

    #[test]
    fn unknown_enum_strings_round_trip_byte_for_byte(s in text()) {
        prop_assume!(!StatusType::VALUES.contains(&s.as_str()));
        prop_assume!(!BuildPhaseType::VALUES.contains(&s.as_str()));
        prop_assume!(!ComputeType::VALUES.contains(&s.as_str()));
        prop_assume!(!SourceType::VALUES.contains(&s.as_str()));
        prop_assume!(!CacheMode::VALUES.contains(&s.as_str()));
        prop_assume!(!EnvironmentVariableType::VALUES.contains(&s.as_str()));
        prop_assert!(!StatusType::from(s.as_str()).is_known());
        unknown_round_trips::<StatusType>(&s)?;
        unknown_round_trips::<BuildPhaseType>(&s)?;
        unknown_round_trips::<ComputeType>(&s)?;
        unknown_round_trips::<SourceType>(&s)?;
        unknown_round_trips::<CacheMode>(&s)?;
        unknown_round_trips::<EnvironmentVariableType>(&s)?;
    }
}

/// Generated `Build`s nest deep strategy types: run on a thread with a big
/// stack so debug builds do not overflow the test harness's default one.
#[test]
fn any_build_round_trips_through_json() {
    let run = || {
        let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig::with_cases(CASES));
        let result = runner.run(&build(), |build| {
            let json = serde_json::to_string(&build).unwrap();
            let again: Build = codebuild_model::from_str(&json)
                .map_err(|e| TestCaseError::fail(format!("{e}: {json}")))?;
            prop_assert_eq!(&again, &build);
            // And as part of a response.
            let response = BatchGetBuildsResponse {
                builds: Some(vec![build]),
                ..Default::default()
            };
            let json = serde_json::to_string_pretty(&response).unwrap();
            prop_assert_eq!(
                codebuild_model::from_str::<BatchGetBuildsResponse>(&json).unwrap(),
                response
            );
            Ok(())
        });
        if let Err(e) = result {
            panic!("{e}");
        }
    };
    std::thread::Builder::new()
        .stack_size(256 << 20)
        .spawn(run)
        .unwrap()
        .join()
        .unwrap();
}

/// Known values map to their variants and back, for the same enums.
#[test]
fn known_enum_values_round_trip() {
    for v in StatusType::VALUES {
        let e: StatusType = serde_json::from_str(&format!("\"{v}\"")).unwrap();
        assert!(e.is_known());
        assert_eq!(e.as_str(), *v);
    }
}

proptest! {
    /// `unix_micros` and `from_unix_micros` agree with the plain i128
    /// nanosecond arithmetic of `time` over the whole supported range,
    /// negative instants included, and just outside it give `None`.
    #[test]
    fn unix_micros_match_time_arithmetic(m in MIN_MICROS..=MAX_MICROS) {
        let t = Timestamp::from_unix_micros(m).unwrap();
        prop_assert_eq!(t.unix_micros(), m);
        let odt = time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(m) * 1_000).unwrap();
        prop_assert_eq!(t.as_offset_date_time(), odt);
        prop_assert_eq!((odt.unix_timestamp_nanos() / 1_000) as i64, m);
    }
}

#[test]
fn unix_micros_range_ends() {
    assert_eq!(
        Timestamp::from_unix_micros(MIN_MICROS)
            .unwrap()
            .unix_micros(),
        MIN_MICROS
    );
    assert_eq!(
        Timestamp::from_unix_micros(MAX_MICROS)
            .unwrap()
            .unix_micros(),
        MAX_MICROS
    );
    // The type reaches back to 0000-01-01T00:00:00Z.
    const YEAR_0: i64 = -62_167_219_200_000_000;
    assert_eq!(
        Timestamp::from_unix_micros(YEAR_0).unwrap().unix_micros(),
        YEAR_0
    );
    assert_eq!(Timestamp::from_unix_micros(YEAR_0 - 1), None);
    assert_eq!(Timestamp::from_unix_micros(MAX_MICROS + 1), None);
    assert_eq!(Timestamp::from_unix_micros(-1).unwrap().unix_micros(), -1);
}
