//! What a run sends: API reports through `StreamApiReports`, PNRs through `StreamPnrs` or cargo
//! manifests through `StreamManifests`. The sending, matching and settling machinery is one,
//! generic over the kind of traffic.

use std::future::Future;

use gatehouse_proto::v1::{
    DailyStatistics, Domain, StreamApiReportsRequest, StreamApiReportsResponse,
    StreamManifestsRequest, StreamManifestsResponse, StreamPnrsRequest, StreamPnrsResponse,
    SubmissionResult, cargo_intake_service_client::CargoIntakeServiceClient,
    passenger_intake_service_client::PassengerIntakeServiceClient,
};
use tokio_stream::wrappers::ReceiverStream;
use tonic::{Status, Streaming};

use super::{
    generator::{Generator, HitKind, Item},
    stream::Intake,
};
use crate::client::ServiceUrls;

/// One kind of traffic: how its items are made, streamed and counted.
pub(super) trait Traffic: Send + Sync + 'static {
    type Request: Clone + Send + Sync + 'static;
    type Response: Send + 'static;
    /// The streaming RPC, for messages.
    const RPC: &'static str;
    /// The domain whose statistics count this traffic.
    const DOMAIN: Domain;

    /// The intake this traffic streams to.
    fn url(urls: &ServiceUrls) -> &str;

    fn next(generator: &mut Generator) -> Item<Self::Request>;

    /// An item into `arrival` with one traveller (consignment) per kind of hit and one ordinary.
    fn warmup(generator: &mut Generator, arrival: &str, kinds: &[HitKind]) -> Item<Self::Request>;

    fn open(
        intake: Intake,
        requests: ReceiverStream<Self::Request>,
    ) -> impl Future<Output = Result<Streaming<Self::Response>, Status>> + Send;

    fn results(response: Self::Response) -> Vec<SubmissionResult>;

    /// What the statistics count of this traffic's travellers in a day's row.
    fn counted(day: &DailyStatistics) -> i64;
}

/// API reports (`StreamApiReports`), counted as `records`.
pub(super) struct ApiReports;

impl Traffic for ApiReports {
    type Request = StreamApiReportsRequest;
    type Response = StreamApiReportsResponse;
    const RPC: &'static str = "StreamApiReports";
    const DOMAIN: Domain = Domain::Passenger;

    fn url(urls: &ServiceUrls) -> &str {
        &urls.passenger_intake_url
    }

    fn next(generator: &mut Generator) -> Item<Self::Request> {
        generator.next_item()
    }

    fn warmup(generator: &mut Generator, arrival: &str, kinds: &[HitKind]) -> Item<Self::Request> {
        generator.warmup_item(arrival, kinds)
    }

    async fn open(
        intake: Intake,
        requests: ReceiverStream<Self::Request>,
    ) -> Result<Streaming<Self::Response>, Status> {
        Ok(PassengerIntakeServiceClient::new(intake.0)
            .stream_api_reports(requests)
            .await?
            .into_inner())
    }

    fn results(response: Self::Response) -> Vec<SubmissionResult> {
        response.results
    }

    fn counted(day: &DailyStatistics) -> i64 {
        day.records
    }
}

/// PNRs (`StreamPnrs`), counted as `pnr_travellers`.
pub(super) struct Pnrs;

impl Traffic for Pnrs {
    type Request = StreamPnrsRequest;
    type Response = StreamPnrsResponse;
    const RPC: &'static str = "StreamPnrs";
    const DOMAIN: Domain = Domain::Passenger;

    fn url(urls: &ServiceUrls) -> &str {
        &urls.passenger_intake_url
    }

    fn next(generator: &mut Generator) -> Item<Self::Request> {
        generator.next_booking()
    }

    fn warmup(generator: &mut Generator, arrival: &str, kinds: &[HitKind]) -> Item<Self::Request> {
        generator.warmup_booking(arrival, kinds)
    }

    async fn open(
        intake: Intake,
        requests: ReceiverStream<Self::Request>,
    ) -> Result<Streaming<Self::Response>, Status> {
        Ok(PassengerIntakeServiceClient::new(intake.0)
            .stream_pnrs(requests)
            .await?
            .into_inner())
    }

    fn results(response: Self::Response) -> Vec<SubmissionResult> {
        response.results
    }

    fn counted(day: &DailyStatistics) -> i64 {
        day.pnr_travellers
    }
}

/// Cargo manifests (`StreamManifests`), their consignments counted as cargo `records`.
pub(super) struct Manifests;

impl Traffic for Manifests {
    type Request = StreamManifestsRequest;
    type Response = StreamManifestsResponse;
    const RPC: &'static str = "StreamManifests";
    const DOMAIN: Domain = Domain::Cargo;

    fn url(urls: &ServiceUrls) -> &str {
        &urls.cargo_intake_url
    }

    fn next(generator: &mut Generator) -> Item<Self::Request> {
        generator.next_manifest()
    }

    fn warmup(generator: &mut Generator, arrival: &str, kinds: &[HitKind]) -> Item<Self::Request> {
        generator.warmup_manifest(arrival, kinds)
    }

    async fn open(
        intake: Intake,
        requests: ReceiverStream<Self::Request>,
    ) -> Result<Streaming<Self::Response>, Status> {
        Ok(CargoIntakeServiceClient::new(intake.0)
            .stream_manifests(requests)
            .await?
            .into_inner())
    }

    fn results(response: Self::Response) -> Vec<SubmissionResult> {
        response.results
    }

    fn counted(day: &DailyStatistics) -> i64 {
        day.records
    }
}
