//! What a run sends: API reports through `StreamApiReports` or PNRs through `StreamPnrs`. The
//! sending, matching and settling machinery is one, generic over the kind of traffic.

use std::future::Future;

use gatehouse_proto::v1::{
    DailyStatistics, StreamApiReportsRequest, StreamApiReportsResponse, StreamPnrsRequest,
    StreamPnrsResponse, SubmissionResult,
};
use tokio_stream::wrappers::ReceiverStream;
use tonic::{Status, Streaming};

use super::{
    generator::{Generator, HitKind, Item},
    stream::Intake,
};

/// One kind of traffic: how its items are made, streamed and counted.
pub(super) trait Traffic: Send + Sync + 'static {
    type Request: Clone + Send + Sync + 'static;
    type Response: Send + 'static;
    /// The streaming RPC, for messages.
    const RPC: &'static str;

    fn next(generator: &mut Generator) -> Item<Self::Request>;

    /// An item into `arrival` with one traveller per kind of hit and one ordinary traveller.
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

    fn next(generator: &mut Generator) -> Item<Self::Request> {
        generator.next_item()
    }

    fn warmup(generator: &mut Generator, arrival: &str, kinds: &[HitKind]) -> Item<Self::Request> {
        generator.warmup_item(arrival, kinds)
    }

    async fn open(
        mut intake: Intake,
        requests: ReceiverStream<Self::Request>,
    ) -> Result<Streaming<Self::Response>, Status> {
        Ok(intake.stream_api_reports(requests).await?.into_inner())
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

    fn next(generator: &mut Generator) -> Item<Self::Request> {
        generator.next_booking()
    }

    fn warmup(generator: &mut Generator, arrival: &str, kinds: &[HitKind]) -> Item<Self::Request> {
        generator.warmup_booking(arrival, kinds)
    }

    async fn open(
        mut intake: Intake,
        requests: ReceiverStream<Self::Request>,
    ) -> Result<Streaming<Self::Response>, Status> {
        Ok(intake.stream_pnrs(requests).await?.into_inner())
    }

    fn results(response: Self::Response) -> Vec<SubmissionResult> {
        response.results
    }

    fn counted(day: &DailyStatistics) -> i64 {
        day.pnr_travellers
    }
}
