// `--metrics` and `--weights-dir` of `zoo eval` and `zoo compare`: which of the paper's metrics to compute
// (through the same `MetricAccumulator` as `zoo metrics`), and where LPIPS's and FVD's weights are.
import ArgumentParser
import Foundation
import ZooCore

/// The metric choice of the evaluating commands.
public struct MetricOptions: ParsableArguments {
    @Option(name: .customLong("metrics"), help: ArgumentHelp(
        "Comma-separated: crps, mse, psnr, ssim, lpips, fvd, or all. Default: crps,mse,psnr,ssim, and lpips when its "
            + "weights are present (else a note says how to get them). FVD runs I3D at 224x224 on every clip: slow, "
            + "so only on request. A metric named here whose weights are missing is an error.",
        valueName: "list"))
    public var metricList: String?

    @Option(name: .customLong("weights-dir"), help: "Metric weights folder (default: $ZOO_WEIGHTS_DIR or ~/.cache/zoo/weights).")
    public var weightsDirectory: String?

    public init() {}

    public func validate() throws { _ = try requested() }

    /// The metrics named by --metrics (nil: the default).
    func requested() throws -> [MetricKind]? {
        guard let metricList else { return nil }
        do { return try MetricKind.parseList(metricList) } catch {
            throw ValidationError("--metrics: \(error)")
        }
    }

    /// The metrics with their networks loaded: the named ones (missing weights throw, saying how to get them),
    /// or the default, where LPIPS without weights becomes a one-line note.
    func load() throws -> EvaluationMetrics {
        if let kinds = try requested() {
            return try EvaluationMetrics.load(kinds, weightsDirectory: weightsDirectory)
        }
        return try EvaluationMetrics.load(EvaluationMetrics.standardKinds, optional: [.lpips],
                                          weightsDirectory: weightsDirectory)
    }
}
