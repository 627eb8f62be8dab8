// `zoo eval --checkpoint CKPT`: the evaluation protocol on a checkpoint's model (its config travels in
// the file, so no model or preset flag is needed).
import ArgumentParser
import Foundation
import ModelZoo
import ZooCore

extension Zoo {
    /// `zoo eval --checkpoint CKPT [--data D] [--samples S] [--clips N] [--metrics LIST] [--json]`.
    public struct Eval: ParsableCommand {
        public static let configuration = CommandConfiguration(
            abstract: "Evaluate a checkpoint on fixed test clips: CRPS, MSE, PSNR, SSIM, LPIPS, and FVD on request.",
            discussion: """
                The first context frames of each fixed test clip are given to the model, which predicts the \
                rest S times (--samples). Predictions are rounded to 8 bits and scored on the 0-255 scale. \
                Every clip draws from a generator seeded by --eval-seed and its batch, so all models see the \
                same clips and seeds. Without --data the checkpoint's training data is used. The metrics are \
                computed by the code of `zoo metrics`: CRPS over the S samples, MSE (also of the sample mean), \
                PSNR, SSIM and LPIPS as the mean over samples and best of S, and with --metrics ...,fvd the FVD of \
                the first sample of each clip against the true clip, context frames included (the clip the I3D \
                sees). Every number is printed with the clips and samples behind it.
                """)

        @Option(help: "The checkpoint (.h5) to evaluate.")
        public var checkpoint: String

        @OptionGroup public var dataOptions: DataOptions
        @OptionGroup public var evaluation: EvaluationOptions
        @OptionGroup public var metricOptions: MetricOptions
        @OptionGroup public var modelOptions: ModelOptions

        @Flag(help: "Use the raw weights even when the checkpoint holds EMA weights.")
        public var rawWeights = false

        @Flag(help: "Load what fits and report the rest instead of failing on mismatched weights.")
        public var nonStrict = false

        @Option(help: "Also write a sample strip (context | truth | samples) of the first clips to this PNG.")
        public var strip: String?

        @OptionGroup public var output: OutputOptions

        public init() {}

        public func validate() throws { try checkCheckpointPath(checkpoint) }

        public func run() throws { try execute(.standardOutput()) }

        /// Evaluates and writes the result to `sink`.
        @discardableResult
        public func execute(_ sink: ResultSink) throws -> EvaluationResult {
            let (model, stored) = try loadModel(checkpoint: checkpoint, strict: !nonStrict, useEMA: !rawWeights)
            let optionsInUse = try modelOptions.apply(to: model)
            let metrics = try metricOptions.load()
            let spec = dataOptions.spec(default: stored.trainingSettings()?.data ?? "flow")
            let data = try PreparedData.prepare(spec, contract: ContractRequirement(model.contract, trainClipLength: 1),
                                                note: output.quiet ? nil : { note($0) })
            let progress = evaluationProgress(model.modelName, quiet: output.quiet)
            let (result, image) = try Evaluator.evaluate(
                model, preset: stored.preset, step: stored.step, test: data.test, startFrame: data.testStartFrame,
                pixelReduction: data.pixelReduction, data: spec.description, settings: evaluation.settings,
                metrics: metrics, stripClips: strip == nil ? 0 : 4, progress: progress)
            if let strip, let image { try image.write(to: strip) }
            if output.json {
                sink.line(try jsonText(result))
            } else {
                sink.line("\(result.model) (\(result.preset)) at step \(result.step), \(checkpoint): "
                          + "\(result.clips) test clips x \(result.samples) samples, \(result.contextFrames) context + "
                          + "\(result.predictedFrames) predicted frames, data \(result.data), seed \(result.seed)"
                          + (optionsInUse.isEmpty ? "" : ", " + optionSummary(optionsInUse)))
                sink.line(evaluationTable(result).text())
                for line in result.notes ?? [] { sink.line("note: " + line) }
            }
            return result
        }
    }
}
