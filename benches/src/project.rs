//! Synthetic CodeBuild projects: their static configuration and behaviour.

use std::collections::BTreeSet;
use std::sync::Arc;

use codebuild_model::{
    BuildPhaseType, DebugSession, EnvironmentVariable, GitSubmodulesConfig, ProjectCache,
    ProjectEnvironment, ProjectFileSystemLocation, ProjectSource, SourceAuth, VpcConfig,
};
use rand::RngExt;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, LogNormal, Normal};

use crate::ids::{hex, pick, uuid_v4};

/// The AWS account id used in every ARN.
pub(crate) const ACCOUNT: &str = "123456789012";

const PREFIXES: &[&str] = &[
    "payments",
    "checkout",
    "search",
    "identity",
    "inventory",
    "billing",
    "notifications",
    "analytics",
    "mobile",
    "web",
    "platform",
    "data",
    "ml",
    "auth",
    "orders",
    "shipping",
    "catalog",
    "reporting",
    "gateway",
    "infra",
    "pricing",
    "ledger",
    "profile",
    "media",
    "chat",
    "fraud",
    "warehouse",
    "partner",
    "admin",
    "growth",
];
const COMPONENTS: &[&str] = &[
    "api",
    "service",
    "frontend",
    "worker",
    "lib",
    "sdk",
    "etl",
    "jobs",
    "ui",
    "cli",
    "terraform",
    "lambda",
    "images",
    "backend",
    "scheduler",
    "consumer",
    "proxy",
    "docs",
];
const SUFFIXES: &[&str] = &[
    "ci",
    "build",
    "tests",
    "pr",
    "deploy",
    "release",
    "nightly",
    "integration",
    "e2e",
    "lint",
    "docker",
    "package",
    "main",
    "unit",
];
const FEATURE_WORDS: &[&str] = &[
    "login",
    "retry-logic",
    "dark-mode",
    "cache-layer",
    "new-checkout",
    "rate-limit",
    "s3-upload",
    "metrics",
    "refactor-db",
    "upgrade-deps",
    "fix-flaky-test",
    "graphql",
    "feature-flags",
    "i18n",
    "audit-log",
    "batch-export",
    "sso",
    "webhooks",
    "pagination",
    "node20",
];
/// IAM users and SSO sessions that start builds by hand.
pub(crate) const USERS: &[&str] = &[
    "alice",
    "bob",
    "carol.nguyen",
    "dave",
    "erin-admin",
    "frank.m",
    "grace",
    "heidi",
    "ivan.petrov",
    "judy",
    "AWSReservedSSO_DeveloperAccess_4f1a2b3c4d5e6f70/mallory@example.com",
    "ci-deployer",
];

/// The build tool chain a project uses: decides commands and runtime errors.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Stack {
    Node,
    Java,
    Python,
    Go,
    Docker,
    Rust,
    Terraform,
}

impl Stack {
    pub fn test_commands(self) -> &'static [&'static str] {
        match self {
            Stack::Node => &[
                "npm test",
                "npm run build",
                "yarn test --ci",
                "npx jest --ci",
            ],
            Stack::Java => &["./gradlew test", "./gradlew build", "mvn -B verify"],
            Stack::Python => &["pytest -q", "python -m pytest tests/", "tox -e py312"],
            Stack::Go => &["go test ./...", "make check", "golangci-lint run"],
            Stack::Docker => &[
                "docker build -t app .",
                "make check",
                "docker compose run --rm tests",
            ],
            Stack::Rust => &[
                "cargo test --locked",
                "cargo clippy -- -D warnings",
                "make check",
            ],
            Stack::Terraform => &[
                "terraform plan -input=false -out=tfplan",
                "make check",
                "tflint",
            ],
        }
    }

    pub fn install_command(self) -> &'static str {
        match self {
            Stack::Node => "npm ci",
            Stack::Java => "./gradlew dependencies --refresh-dependencies",
            Stack::Python => "pip install -r requirements.txt",
            Stack::Go => "go mod download",
            Stack::Docker => {
                "nohup /usr/local/bin/dockerd --host=unix:///var/run/docker.sock --storage-driver=overlay2 &"
            }
            Stack::Rust => "rustup component add clippy",
            Stack::Terraform => "terraform init -input=false",
        }
    }

    pub fn runtime(self) -> (&'static str, &'static str, &'static str) {
        // (runtime name, version asked for, versions available)
        match self {
            Stack::Node | Stack::Docker => ("nodejs", "16", "18, 20, 22"),
            Stack::Java => ("java", "corretto8", "corretto11, corretto17, corretto21"),
            Stack::Python => ("python", "3.8", "3.10, 3.11, 3.12"),
            Stack::Go => ("golang", "1.19", "1.21, 1.22, 1.23"),
            Stack::Rust | Stack::Terraform => ("nodejs", "14", "18, 20, 22"),
        }
    }
}

/// Where a project's logs go.
#[derive(Clone, Debug)]
pub(crate) struct LogsCfg {
    pub cloudwatch: bool,
    pub s3_location: Option<String>,
}

/// What a project's `artifacts` look like.
#[derive(Clone, Debug)]
pub(crate) enum ArtifactsKind {
    /// `{"location": ""}`
    None,
    /// A zip or folder in S3 under `location`; `zip` adds checksums.
    S3 { location: String, zip: bool },
    /// CodePipeline output artifact (a new object per build).
    Pipeline { bucket_prefix: String },
}

/// The part of a project that every one of its builds repeats verbatim.
#[derive(Debug)]
pub(crate) struct ProjectConfig {
    pub name: String,
    pub region: &'static str,
    /// `source.type`, for the simulation's choices.
    pub source_kind: &'static str,
    pub source: ProjectSource,
    pub secondary_sources: Option<Vec<ProjectSource>>,
    pub artifacts: ArtifactsKind,
    pub secondary_artifact_ids: Vec<String>,
    pub cache: ProjectCache,
    pub environment: ProjectEnvironment,
    pub service_role: String,
    pub log_group: String,
    pub logs: LogsCfg,
    pub timeout_minutes: u32,
    pub queued_timeout_minutes: u32,
    pub vpc_config: Option<VpcConfig>,
    pub encryption_key: Option<String>,
    pub file_system_locations: Option<Vec<ProjectFileSystemLocation>>,
    pub debug_session: Option<DebugSession>,
    pub report_groups: Vec<String>,
    pub exports: bool,
}

/// How a project's builds behave: outcomes, durations, sources, initiators.
#[derive(Debug)]
pub(crate) struct Behavior {
    pub stack: Stack,
    pub fail_rate: f64,
    pub stop_rate: f64,
    /// For auto-retry: chance that a failure is deterministic (every retry fails).
    pub hard_fail: f64,
    /// For auto-retry: chance that one retry of a flaky failure succeeds.
    pub recover: f64,
    /// Chance that a new build is a manual rebuild of a recent commit.
    pub rebuild_rate: f64,
    /// Chance that a build is started by a person rather than the usual trigger.
    pub manual_rate: f64,
    pub auto_retry_limit: Option<u32>,
    /// Lognormal duration (seconds) of each phase SUBMITTED..FINALIZING.
    pub phase: [LogNormal<f64>; 10],
    pub long_queue: f64,
    pub custom_image: bool,
    /// Successful non-SUBMITTED phases carry `[{"statusCode":"","message":""}]`.
    pub empty_contexts: bool,
    pub trigger: Trigger,
    pub main_branch: &'static str,
    pub has_develop: bool,
}

/// What usually starts a project's builds.
#[derive(Clone, Debug)]
pub(crate) enum Trigger {
    /// `codepipeline/<pipeline>`
    Pipeline(String),
    /// `GitHub-Hookshot/<hex>` etc.: webhook builds of branches and PRs.
    Webhook(String),
    /// People and schedules only.
    Manual,
}

/// A project: shared configuration plus behaviour and the small mutable
/// state the generator keeps per project.
#[derive(Debug)]
pub(crate) struct Project {
    pub config: Arc<ProjectConfig>,
    pub behavior: Behavior,
    pub next_build_number: u64,
    pub next_pr: u32,
    pub features: Vec<String>,
    pub recent: std::collections::VecDeque<Recent>,
}

/// A recently built commit of a project (for manual rebuilds).
#[derive(Clone, Debug)]
pub(crate) struct Recent {
    pub source_version: String,
    pub resolved: String,
    pub end: i64,
    pub failed: bool,
}

fn lognormal(median_secs: f64, sigma: f64) -> LogNormal<f64> {
    LogNormal::new(median_secs.max(0.001).ln(), sigma).expect("valid lognormal parameters")
}

/// Makes `count` distinct project names from the word lists.
pub(crate) fn project_names(rng: &mut ChaCha8Rng, count: usize) -> Vec<String> {
    let mut seen = BTreeSet::new();
    let mut names = Vec::with_capacity(count);
    let mut attempts = 0usize;
    while names.len() < count {
        attempts += 1;
        let mut name = format!(
            "{}-{}-{}",
            pick(rng, PREFIXES),
            pick(rng, COMPONENTS),
            pick(rng, SUFFIXES)
        );
        if attempts > count * 4 + 1000 {
            name = format!("{name}-{}", names.len() + 1);
        }
        if seen.insert(name.clone()) {
            names.push(name);
        }
    }
    names
}

/// Builds project number `index` (0 = the busiest) named `name`.
pub(crate) fn make_project(rng: &mut ChaCha8Rng, index: usize, name: String) -> Project {
    let region = if rng.random_bool(0.8) {
        "us-east-1"
    } else {
        pick(rng, &["eu-west-1", "ap-south-1", "us-west-2"])
    };
    let repo = {
        let mut parts = name.rsplitn(2, '-');
        let _suffix = parts.next();
        parts.next().unwrap_or(&name).to_string()
    };
    let stack = *pick(
        rng,
        &[
            Stack::Node,
            Stack::Node,
            Stack::Java,
            Stack::Python,
            Stack::Python,
            Stack::Go,
            Stack::Docker,
            Stack::Rust,
            Stack::Terraform,
        ],
    );

    // --- source ---
    let r: f64 = rng.random();
    let source_kind = if r < 0.40 {
        "GITHUB"
    } else if r < 0.65 {
        "CODEPIPELINE"
    } else if r < 0.77 {
        "CODECOMMIT"
    } else if r < 0.84 {
        "BITBUCKET"
    } else if r < 0.88 {
        "GITLAB"
    } else if r < 0.92 {
        "GITHUB_ENTERPRISE"
    } else if r < 0.97 {
        "S3"
    } else {
        "NO_SOURCE"
    };
    let git = matches!(
        source_kind,
        "GITHUB" | "CODECOMMIT" | "BITBUCKET" | "GITLAB" | "GITHUB_ENTERPRISE"
    );
    let location = match source_kind {
        "GITHUB" => Some(format!("https://github.com/acme-corp/{repo}.git")),
        "CODECOMMIT" => Some(format!(
            "https://git-codecommit.{region}.amazonaws.com/v1/repos/{repo}"
        )),
        "BITBUCKET" => Some(format!("https://bitbucket.org/acme/{repo}.git")),
        "GITLAB" => Some(format!("https://gitlab.com/acme-group/{repo}.git")),
        "GITHUB_ENTERPRISE" => Some(format!("https://github.acme.internal/platform/{repo}.git")),
        "S3" => Some(format!("acme-build-sources-{region}/{repo}/source.zip")),
        _ => None,
    };
    let auth = match source_kind {
        "GITHUB" | "BITBUCKET" | "GITLAB" if rng.random_bool(0.5) => Some(SourceAuth {
            r#type: Some("CODECONNECTIONS".into()),
            resource: Some(format!(
                "arn:aws:codeconnections:{region}:{ACCOUNT}:connection/{}",
                uuid_v4(rng)
            )),
            ..SourceAuth::default()
        }),
        "GITHUB" | "BITBUCKET" => Some(SourceAuth {
            r#type: Some("OAUTH".into()),
            ..SourceAuth::default()
        }),
        _ => None,
    };
    let buildspec = if source_kind == "NO_SOURCE" {
        Some(
            "version: 0.2\nphases:\n  build:\n    commands:\n      - echo \"nightly maintenance\"\n      - ./scripts/cleanup.sh\n"
                .to_string(),
        )
    } else if rng.random_bool(0.3) {
        Some(
            pick(
                rng,
                &["buildspec.yml", "ci/buildspec.yml", "buildspec-test.yml"],
            )
            .to_string(),
        )
    } else {
        None
    };
    let source = ProjectSource {
        r#type: Some(source_kind.into()),
        location,
        git_clone_depth: git.then(|| *pick(rng, &[1, 1, 1, 0, 25])),
        git_submodules_config: git.then_some(GitSubmodulesConfig {
            fetch_submodules: Some(rng.random_bool(0.1)),
            ..GitSubmodulesConfig::default()
        }),
        buildspec,
        auth,
        report_build_status: (git && rng.random_bool(0.6)).then_some(true),
        insecure_ssl: (source_kind != "NO_SOURCE").then_some(false),
        ..ProjectSource::default()
    };
    let secondary_sources = (git && rng.random_bool(0.12)).then(|| {
        vec![ProjectSource {
            r#type: Some("GITHUB".into()),
            location: Some("https://github.com/acme-corp/shared-build-config.git".to_string()),
            git_clone_depth: Some(1),
            git_submodules_config: Some(GitSubmodulesConfig {
                fetch_submodules: Some(false),
                ..GitSubmodulesConfig::default()
            }),
            report_build_status: Some(false),
            insecure_ssl: Some(false),
            source_identifier: Some("shared_config".to_string()),
            ..ProjectSource::default()
        }]
    });

    // --- environment ---
    let r: f64 = rng.random();
    let (env_kind, lambda) = if r < 0.75 {
        ("LINUX_CONTAINER", false)
    } else if r < 0.85 {
        ("ARM_CONTAINER", false)
    } else if r < 0.92 {
        ("LINUX_LAMBDA_CONTAINER", true)
    } else if r < 0.94 {
        ("ARM_LAMBDA_CONTAINER", true)
    } else if r < 0.98 {
        ("WINDOWS_SERVER_2019_CONTAINER", false)
    } else {
        ("LINUX_GPU_CONTAINER", false)
    };
    let mut custom_image = false;
    let image = match env_kind {
        "LINUX_CONTAINER" | "LINUX_GPU_CONTAINER" => {
            // Every 6th project (from the 4th, like the troubled ones) builds in
            // its own image, so that small archives also show pull failures.
            if index % 6 == 3 || rng.random_bool(0.2) {
                custom_image = true;
                match rng.random_range(0..3) {
                    0 => format!(
                        "{ACCOUNT}.dkr.ecr.{region}.amazonaws.com/ci-images/{}-builder:{}",
                        repo,
                        pick(rng, &["latest", "2024.03", "v3", "stable"])
                    ),
                    1 => pick(
                        rng,
                        &[
                            "public.ecr.aws/docker/library/node:20-bullseye",
                            "public.ecr.aws/docker/library/python:3.12-slim",
                            "public.ecr.aws/sam/build-python3.12:latest",
                        ],
                    )
                    .to_string(),
                    _ => format!(
                        "{ACCOUNT}.dkr.ecr.{region}.amazonaws.com/build-tools@sha256:{}",
                        hex(rng, 64)
                    ),
                }
            } else {
                pick(
                    rng,
                    &[
                        "aws/codebuild/standard:7.0",
                        "aws/codebuild/standard:7.0",
                        "aws/codebuild/standard:6.0",
                        "aws/codebuild/standard:5.0",
                        "aws/codebuild/amazonlinux2-x86_64-standard:5.0",
                        "aws/codebuild/amazonlinux2-x86_64-standard:4.0",
                        "aws/codebuild/amazonlinux-x86_64-standard:5.0",
                    ],
                )
                .to_string()
            }
        }
        "ARM_CONTAINER" => pick(
            rng,
            &[
                "aws/codebuild/amazonlinux2-aarch64-standard:3.0",
                "aws/codebuild/amazonlinux-aarch64-standard:3.0",
            ],
        )
        .to_string(),
        "LINUX_LAMBDA_CONTAINER" => pick(
            rng,
            &[
                "aws/codebuild/amazonlinux-x86_64-lambda-standard:nodejs20",
                "aws/codebuild/amazonlinux-x86_64-lambda-standard:python3.12",
                "aws/codebuild/amazonlinux-x86_64-lambda-standard:go1.21",
            ],
        )
        .to_string(),
        "ARM_LAMBDA_CONTAINER" => {
            "aws/codebuild/amazonlinux-aarch64-lambda-standard:nodejs20".to_string()
        }
        _ => "aws/codebuild/windows-base:2019-3.0".to_string(),
    };
    let compute_type = match env_kind {
        "LINUX_LAMBDA_CONTAINER" | "ARM_LAMBDA_CONTAINER" => pick(
            rng,
            &[
                "BUILD_LAMBDA_1GB",
                "BUILD_LAMBDA_2GB",
                "BUILD_LAMBDA_4GB",
                "BUILD_LAMBDA_8GB",
                "BUILD_LAMBDA_10GB",
            ],
        ),
        "ARM_CONTAINER" => pick(rng, &["BUILD_GENERAL1_SMALL", "BUILD_GENERAL1_LARGE"]),
        "WINDOWS_SERVER_2019_CONTAINER" => {
            pick(rng, &["BUILD_GENERAL1_MEDIUM", "BUILD_GENERAL1_LARGE"])
        }
        "LINUX_GPU_CONTAINER" => pick(rng, &["BUILD_GENERAL1_SMALL", "BUILD_GENERAL1_LARGE"]),
        _ => {
            let r: f64 = rng.random();
            if r < 0.35 {
                &"BUILD_GENERAL1_SMALL"
            } else if r < 0.70 {
                &"BUILD_GENERAL1_MEDIUM"
            } else if r < 0.90 {
                &"BUILD_GENERAL1_LARGE"
            } else if r < 0.94 {
                &"BUILD_GENERAL1_XLARGE"
            } else {
                &"BUILD_GENERAL1_2XLARGE"
            }
        }
    };
    let privileged = !lambda && (matches!(stack, Stack::Docker) || rng.random_bool(0.25));
    let mut env_vars = Vec::new();
    let candidates: [(&str, String, &'static str); 6] = [
        ("NODE_ENV", "test".to_string(), "PLAINTEXT"),
        ("AWS_ACCOUNT_ID", ACCOUNT.to_string(), "PLAINTEXT"),
        (
            "REPOSITORY_URI",
            format!("{ACCOUNT}.dkr.ecr.{region}.amazonaws.com/{repo}"),
            "PLAINTEXT",
        ),
        (
            "DB_PASSWORD",
            format!("/ci/{repo}/db-password"),
            "PARAMETER_STORE",
        ),
        (
            "NPM_TOKEN",
            format!(
                "arn:aws:secretsmanager:{region}:{ACCOUNT}:secret:ci/npm-token-{}",
                crate::ids::alnum(rng, 6)
            ),
            "SECRETS_MANAGER",
        ),
        (
            "SONAR_TOKEN",
            "ci/sonar:token".to_string(),
            "SECRETS_MANAGER",
        ),
    ];
    for (n, v, t) in candidates {
        if rng.random_bool(0.45) {
            env_vars.push(EnvironmentVariable {
                name: Some(n.to_string()),
                value: Some(v),
                r#type: Some(t.into()),
                ..EnvironmentVariable::default()
            });
        }
    }
    let ecr_private = image.contains(".dkr.ecr.");
    let environment = ProjectEnvironment {
        r#type: Some(env_kind.into()),
        image: Some(image),
        compute_type: Some((*compute_type).into()),
        environment_variables: Some(env_vars),
        privileged_mode: Some(privileged),
        image_pull_credentials_type: Some(
            if ecr_private {
                "SERVICE_ROLE"
            } else {
                "CODEBUILD"
            }
            .into(),
        ),
        ..ProjectEnvironment::default()
    };

    // --- artifacts, cache, logs, network ---
    let artifacts = if source_kind == "CODEPIPELINE" {
        ArtifactsKind::Pipeline {
            bucket_prefix: format!(
                "arn:aws:s3:::codepipeline-{region}-{}/{}",
                rng.random_range(100_000_000_000u64..999_999_999_999),
                truncate(&repo, 20)
            ),
        }
    } else if rng.random_bool(0.55) {
        ArtifactsKind::S3 {
            location: format!("arn:aws:s3:::acme-build-artifacts-{region}/{name}/{repo}.zip"),
            zip: rng.random_bool(0.7),
        }
    } else {
        ArtifactsKind::None
    };
    let secondary_artifact_ids =
        if !matches!(artifacts, ArtifactsKind::None) && rng.random_bool(0.15) {
            vec!["reports".to_string(), "coverage".to_string()]
        } else {
            Vec::new()
        };
    let r: f64 = rng.random();
    let cache = if r < 0.45 {
        ProjectCache {
            r#type: Some("NO_CACHE".into()),
            ..ProjectCache::default()
        }
    } else if r < 0.75 || lambda {
        ProjectCache {
            r#type: Some("S3".into()),
            location: Some(format!("acme-build-cache-{region}/{name}")),
            ..ProjectCache::default()
        }
    } else {
        let modes = match rng.random_range(0..3) {
            0 => vec!["LOCAL_DOCKER_LAYER_CACHE", "LOCAL_SOURCE_CACHE"],
            1 => vec!["LOCAL_SOURCE_CACHE"],
            _ => vec!["LOCAL_CUSTOM_CACHE"],
        };
        ProjectCache {
            r#type: Some("LOCAL".into()),
            modes: Some(modes.into_iter().map(Into::into).collect()),
            ..ProjectCache::default()
        }
    };
    let r: f64 = rng.random();
    let logs = LogsCfg {
        cloudwatch: r < 0.95,
        s3_location: (r >= 0.85).then(|| format!("acme-build-logs-{region}/{name}")),
    };
    let vpc_config = (!lambda && rng.random_bool(0.15)).then(|| VpcConfig {
        vpc_id: Some(format!("vpc-{}", hex(rng, 17))),
        subnets: Some(
            (0..rng.random_range(1..=3))
                .map(|_| format!("subnet-{}", hex(rng, 17)))
                .collect(),
        ),
        security_group_ids: Some(vec![format!("sg-{}", hex(rng, 17))]),
        ..VpcConfig::default()
    });
    let file_system_locations = (vpc_config.is_some() && rng.random_bool(0.2)).then(|| {
        vec![ProjectFileSystemLocation {
            r#type: Some("EFS".into()),
            location: Some(format!(
                "fs-{}.efs.{region}.amazonaws.com:/build-cache",
                hex(rng, 8)
            )),
            mount_point: Some("/mnt/cache".to_string()),
            identifier: Some("build_cache".to_string()),
            mount_options: Some(
                "nfsvers=4.1,rsize=1048576,wsize=1048576,hard,timeo=600,retrans=2".to_string(),
            ),
            ..ProjectFileSystemLocation::default()
        }]
    });
    let report_groups = if rng.random_bool(0.25) {
        let mut g = vec![format!("{name}-unit-tests")];
        if rng.random_bool(0.4) {
            g.push(format!("{name}-coverage"));
        }
        g
    } else {
        Vec::new()
    };

    let config = ProjectConfig {
        service_role: format!(
            "arn:aws:iam::{ACCOUNT}:role/service-role/codebuild-{name}-service-role"
        ),
        log_group: format!("/aws/codebuild/{name}"),
        timeout_minutes: *pick(rng, &[60, 60, 60, 30, 120, 480]),
        queued_timeout_minutes: *pick(rng, &[480, 480, 480, 60]),
        encryption_key: rng
            .random_bool(0.9)
            .then(|| format!("arn:aws:kms:{region}:{ACCOUNT}:alias/aws/s3")),
        debug_session: rng.random_bool(0.3).then_some(DebugSession {
            session_enabled: Some(false),
            ..DebugSession::default()
        }),
        exports: rng.random_bool(0.12),
        name,
        region,
        source_kind,
        source,
        secondary_sources,
        artifacts,
        secondary_artifact_ids,
        cache,
        environment,
        logs,
        vpc_config,
        file_system_locations,
        report_groups,
    };

    // --- behaviour ---
    // Failure rates: most projects low, some medium, a few high. Every 7th
    // project (from the 4th) is a troubled one so that small archives have one.
    let r: f64 = rng.random();
    let fail_rate = if index % 7 == 3 || r < 0.04 {
        rng.random_range(0.25..0.5)
    } else if r < 0.18 {
        rng.random_range(0.10..0.22)
    } else {
        rng.random_range(0.01..0.08)
    };
    // Auto-retry on every 5th project (from the 2nd busiest) plus a few more.
    let auto_retry_limit =
        (index % 5 == 1 || rng.random_bool(0.05)).then(|| rng.random_range(1..=3u32));
    let build_median = Normal::new(240f64.ln(), 0.9)
        .expect("valid normal")
        .sample(rng)
        .exp()
        .clamp(20.0, 2400.0);
    let scale = if lambda { 0.3 } else { 1.0 };
    let s = |rng: &mut ChaCha8Rng, lo: f64, hi: f64| rng.random_range(lo..hi);
    let phase = [
        lognormal(0.35, 0.6),                                           // SUBMITTED
        lognormal(s(rng, 0.8, 4.0), 0.7),                               // QUEUED
        lognormal(if lambda { 1.5 } else { s(rng, 15.0, 45.0) }, 0.35), // PROVISIONING
        lognormal(s(rng, 2.0, 15.0), 0.5),                              // DOWNLOAD_SOURCE
        lognormal(s(rng, 4.0, 60.0) * scale, 0.5),                      // INSTALL
        lognormal(s(rng, 1.0, 30.0) * scale, 0.5),                      // PRE_BUILD
        lognormal(build_median * scale, s(rng, 0.2, 0.5)),              // BUILD
        lognormal(s(rng, 0.5, 20.0), 0.6),                              // POST_BUILD
        lognormal(s(rng, 0.5, 10.0), 0.5),                              // UPLOAD_ARTIFACTS
        lognormal(s(rng, 1.5, 6.0), 0.3),                               // FINALIZING
    ];
    let trigger = match source_kind {
        "CODEPIPELINE" => Trigger::Pipeline(format!("{}-pipeline", repo)),
        "GITHUB" | "GITHUB_ENTERPRISE" => {
            Trigger::Webhook(format!("GitHub-Hookshot/{}", hex(rng, 7)))
        }
        "BITBUCKET" => Trigger::Webhook("Bitbucket-Webhooks/2.0".to_string()),
        "GITLAB" => Trigger::Webhook("GitLab/17.1.0".to_string()),
        "CODECOMMIT" | "S3" if rng.random_bool(0.6) => {
            Trigger::Pipeline(format!("{}-pipeline", repo))
        }
        _ => Trigger::Manual,
    };
    let behavior = Behavior {
        stack,
        fail_rate,
        stop_rate: rng.random_range(0.003..0.02),
        hard_fail: rng.random_range(0.15..0.4),
        recover: rng.random_range(0.5..0.85),
        rebuild_rate: rng.random_range(0.02..0.08),
        manual_rate: rng.random_range(0.02..0.1),
        auto_retry_limit,
        phase,
        long_queue: rng.random_range(0.005..0.04),
        custom_image,
        empty_contexts: rng.random_bool(0.15),
        trigger,
        main_branch: if rng.random_bool(0.8) {
            "refs/heads/main"
        } else {
            "refs/heads/master"
        },
        has_develop: rng.random_bool(0.3),
    };
    let features = (0..4)
        .map(|_| format!("refs/heads/feature/{}", pick(rng, FEATURE_WORDS)))
        .collect();
    Project {
        config: Arc::new(config),
        behavior,
        next_build_number: 1,
        next_pr: rng.random_range(10..2000),
        features,
        recent: std::collections::VecDeque::new(),
    }
}

fn truncate(s: &str, n: usize) -> &str {
    match s.char_indices().nth(n) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

/// A fresh feature branch name.
pub(crate) fn feature_branch(rng: &mut ChaCha8Rng) -> String {
    format!(
        "refs/heads/feature/{}-{}",
        pick(rng, FEATURE_WORDS),
        rng.random_range(100..999)
    )
}

/// The phases a build goes through after failing (or being stopped) in `at`.
pub(crate) fn phases_after(at: &BuildPhaseType) -> &'static [BuildPhaseType] {
    use BuildPhaseType::*;
    match at {
        Submitted | Queued => &[],
        Provisioning | DownloadSource => &[Finalizing],
        Install | PreBuild | Build => &[PostBuild, UploadArtifacts, Finalizing],
        PostBuild => &[UploadArtifacts, Finalizing],
        UploadArtifacts => &[Finalizing],
        _ => &[],
    }
}
