//! The CodeBuild client: the SDK's configuration chain, retries, and the two interceptors fetch adds.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_config::BehaviorVersion;
use aws_config::retry::RetryConfig;
use aws_sdk_codebuild::config::interceptors::{
    AfterDeserializationInterceptorContextRef, BeforeTransmitInterceptorContextRef,
};
use aws_sdk_codebuild::config::{ConfigBag, Intercept, Region, RuntimeComponents};
use aws_sdk_codebuild::error::BoxError;

use crate::FetchError;

/// How to reach CodeBuild. Everything left `None` comes from the SDK's
/// standard chains: region from `AWS_REGION` / the profile; credentials
/// from the environment, the shared config and credentials files (with
/// `credential_process`, SSO and assumed roles), web identity, and the
/// container and instance metadata endpoints; the endpoint from
/// `AWS_ENDPOINT_URL_CODEBUILD`, `AWS_ENDPOINT_URL` or the profile's
/// `endpoint_url`.
#[derive(Clone, Debug, Default)]
pub struct ConnectOptions {
    /// The region (`--region`).
    pub region: Option<String>,
    /// The profile of the shared config files (`--profile`).
    pub profile: Option<String>,
    /// The endpoint (`--endpoint-url`), e.g. a local test server.
    pub endpoint_url: Option<String>,
    /// Attempts per call, including the first (`--max-attempts`); the
    /// SDK's default (3, or the profile's `max_attempts`) when `None`.
    pub max_attempts: Option<u32>,
}

/// Counts HTTP attempts of every call a client makes.
#[derive(Debug, Default)]
pub(crate) struct Meter {
    pub attempts: AtomicU64,
}

#[derive(Debug)]
struct MeterInterceptor(Arc<Meter>);

impl Intercept for MeterInterceptor {
    fn name(&self) -> &'static str {
        "cbstats-fetch-meter"
    }

    fn read_before_attempt(
        &self,
        _context: &BeforeTransmitInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        self.0.attempts.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }
}

/// Keeps the body of a call's successful response, exactly as received.
///
/// The SDK reads the whole body of a non-streaming response into memory
/// before it deserializes it, so after deserialization the bytes are there
/// to copy; the SDK's own structs never see members it does not know, the
/// body does. Added to one call only (`customize().interceptor(..)`), so
/// each call has its own.
#[derive(Clone, Debug, Default)]
pub(crate) struct BodyCapture(Arc<Mutex<Option<Vec<u8>>>>);

impl BodyCapture {
    pub fn take(&self) -> Option<Vec<u8>> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).take()
    }
}

impl Intercept for BodyCapture {
    fn name(&self) -> &'static str {
        "cbstats-fetch-body-capture"
    }

    fn read_after_deserialization(
        &self,
        context: &AfterDeserializationInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        // Each attempt overwrites the last: the one kept is that of the
        // attempt whose output the call returns.
        let body = if context.output_or_error().is_ok() {
            context.response().body().bytes().map(<[u8]>::to_vec)
        } else {
            None
        };
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = body;
        Ok(())
    }
}

/// The HTTP client fetch uses for every call (also for the credential and
/// region providers): hyper 1 with rustls over ring, for `https://` and
/// `http://` endpoints alike.
pub fn http_client() -> aws_sdk_codebuild::config::SharedHttpClient {
    aws_smithy_http_client::Builder::new()
        .tls_provider(aws_smithy_http_client::tls::Provider::Rustls(
            aws_smithy_http_client::tls::rustls_provider::CryptoMode::Ring,
        ))
        .build_https()
}

/// A CodeBuild client with fetch's meter on it.
#[derive(Clone, Debug)]
pub struct Connection {
    pub(crate) client: aws_sdk_codebuild::Client,
    pub(crate) region: String,
    pub(crate) meter: Arc<Meter>,
}

impl Connection {
    /// Resolves configuration the standard way (see [`ConnectOptions`]) and
    /// builds the client: HTTPS with rustls (ring), the standard retry mode
    /// (exponential backoff with jitter, throttling and transient errors
    /// retried, a retry quota), the SDK's default timeouts.
    pub async fn from_env(opts: &ConnectOptions) -> Result<Connection, FetchError> {
        let mut loader = aws_config::defaults(BehaviorVersion::latest()).http_client(http_client());
        if let Some(region) = &opts.region {
            loader = loader.region(Region::new(region.clone()));
        }
        if let Some(profile) = &opts.profile {
            loader = loader.profile_name(profile);
        }
        if let Some(url) = &opts.endpoint_url {
            loader = loader.endpoint_url(url);
        }
        let sdk = loader.load().await;
        let mut conf = aws_sdk_codebuild::config::Builder::from(&sdk);
        if let Some(n) = opts.max_attempts {
            let retry = sdk
                .retry_config()
                .cloned()
                .unwrap_or_else(RetryConfig::standard)
                .with_max_attempts(n.max(1));
            conf = conf.retry_config(retry);
        }
        Connection::from_conf(conf)
    }

    /// Builds the client from an SDK configuration (tests give theirs,
    /// with a test HTTP client); it must have a region.
    pub fn from_conf(conf: aws_sdk_codebuild::config::Builder) -> Result<Connection, FetchError> {
        let meter = Arc::new(Meter::default());
        let conf = conf.interceptor(MeterInterceptor(meter.clone())).build();
        let region = conf.region().ok_or(FetchError::NoRegion)?.to_string();
        Ok(Connection {
            client: aws_sdk_codebuild::Client::from_conf(conf),
            region,
            meter,
        })
    }

    /// The region calls go to.
    pub fn region(&self) -> &str {
        &self.region
    }

    /// The SDK client.
    pub fn client(&self) -> &aws_sdk_codebuild::Client {
        &self.client
    }
}

/// A retry configuration for tests: the standard mode with `attempts`
/// attempts and 1 ms backoff.
#[doc(hidden)]
pub fn fast_retries(attempts: u32) -> RetryConfig {
    RetryConfig::standard()
        .with_max_attempts(attempts)
        .with_initial_backoff(Duration::from_millis(1))
        .with_max_backoff(Duration::from_millis(5))
}
