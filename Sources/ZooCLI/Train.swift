// `zoo train MODEL`: trains a registered model into a run folder, resumable, with progress on stderr.
import ArgumentParser
import Foundation
import ModelZoo
import ZooCore

/// What `zoo train --json` prints.
struct TrainReport: Codable {
    var model: String
    var preset: String
    var outcome: String
    var step: Int
    var steps: Int
    var losses: [String: Float]
    var checkpoint: String?
    var run: String
    var seconds: Double
    var evaluation: EvaluationResult?
    /// copy-last (the floor every model must beat) on the same clips, for reference.
    var copyLast: EvaluationResult?
}

extension Zoo {
    /// `zoo train MODEL [--preset P] [--data D] [--steps N] [--seed S] [--out DIR] [--resume] ...`.
    public struct Train: ParsableCommand {
        public static let configuration = CommandConfiguration(
            abstract: "Train a model into a run folder (checkpoints, metrics.csv, sample strips).",
            discussion: """
                Defaults: the model's default preset, the embedded flow data (generated and cached on first \
                use), and the run folder runs/<model>-<preset>. Ctrl-C saves a checkpoint and stops; run the \
                same command with --resume to continue exactly where it stopped. A loss that becomes NaN or \
                infinite stops the run and leaves the last good checkpoint in place.
                """)

        @Argument(help: "The model (see `zoo list`).", completion: .list(defaultRegistry.names))
        public var model: String

        @Option(help: "The preset (default: the model's default preset).")
        public var preset: String?

        @OptionGroup public var dataOptions: DataOptions

        @Option(help: "Total training steps (default: the preset's).")
        public var steps: Int?

        @Option(help: "Seed of the initial weights, the batches and the model's own draws.")
        public var seed: UInt64 = 0

        @Option(help: "The run folder (default: runs/<model>-<preset>).")
        public var out: String?

        @Flag(help: "Continue the run in --out from its last.h5 (same settings; --steps may extend it).")
        public var resume = false

        @Option(help: "Clips per batch (default: the preset's).")
        public var batchSize: Int?

        @Option(help: "Base learning rate (default: the preset's).")
        public var lr: Double?

        @Option(help: "Save a checkpoint every N steps (default: about a tenth of the run, at most 1000).")
        public var checkpointEvery: Int?

        @Option(help: "Evaluate on a few test clips every N steps (default: about a quarter of the run).")
        public var evalEvery: Int?

        @Option(help: "Stop (with a checkpoint) after this many minutes of training.")
        public var minutes: Double?

        @Flag(help: ArgumentHelp("Data-parallel training over MPI: run under `mpirun -np N` (docs/distributed.md).",
                                 discussion: "Every rank trains on its share of each batch (--batch-size must divide by N); gradients are averaged; rank 0 writes the run folder."))
        public var distributed = false

        @OptionGroup public var output: OutputOptions

        public init() {}

        public func validate() throws {
            _ = try checkModel(model, preset: preset)
            if let steps, steps < 0 { throw ValidationError("--steps must be ≥ 0, got \(steps)") }
            if let batchSize, batchSize < 1 { throw ValidationError("--batch-size must be ≥ 1, got \(batchSize)") }
            if let lr, !(lr > 0 && lr.isFinite) { throw ValidationError("--lr must be a positive number, got \(lr)") }
            if let checkpointEvery, checkpointEvery < 1 { throw ValidationError("--checkpoint-every must be ≥ 1") }
            if let evalEvery, evalEvery < 0 { throw ValidationError("--eval-every must be ≥ 0") }
            if let minutes, !(minutes > 0) { throw ValidationError("--minutes must be > 0") }
        }

        /// The run folder.
        public var outputPath: String {
            out ?? "runs/\(model)-\(preset ?? ((try? checkModel(model, preset: nil))?.defaultPreset ?? "default"))"
        }

        public func run() throws {
            guard distributed else { return try execute(.standardOutput()) }
            let parallel: DataParallel
            do { parallel = try DataParallel() } catch { throw ZooError("\(error)") }
            do {
                try execute(parallel.isRoot ? .standardOutput() : ResultSink { _ in }, parallel: parallel)
            } catch let code as ExitCode {
                parallel.finish()
                throw code
            } catch {
                // Any rank's error ends every rank, naming the rank (MPI_Abort).
                parallel.abort(error)
            }
            parallel.finish()
        }

        /// Models whose layers couple the rows of a batch; under --distributed they see only a rank's rows.
        static let batchCoupled = ["svg-lp": "BatchNorm statistics", "dvd-gan": "conditional BatchNorm statistics",
                                   "futuregan": "the critic's minibatch standard deviation"]

        /// Trains and writes the result to `out`; throws `ExitCode(130)` after a Ctrl-C (checkpoint saved).
        /// With `parallel` (--distributed), rank 0 alone writes the run folder, progress and the result; the
        /// other ranks train silently.
        public func execute(_ sink: ResultSink, arguments: [String] = CommandLine.arguments,
                            parallel: DataParallel? = nil) throws {
            let entry = try checkModel(model, preset: preset)
            let run = RunDirectory(path: outputPath)
            let root = parallel?.isRoot ?? true
            let reporter: any TrainingReporter = root ? makeTrainingReporter(quiet: output.quiet) : SilentReporter()
            let job: TrainingJob
            if resume {
                job = try TrainingJob.resuming(entry: entry, run: run, preset: preset, steps: steps)
                var conflicts: [String] = []
                if let batchSize, batchSize != job.settings.batchSize { conflicts.append("--batch-size") }
                if let lr, lr != job.settings.learningRate { conflicts.append("--lr") }
                if let data = dataOptions.data, data != job.settings.data { conflicts.append("--data") }
                if !conflicts.isEmpty {
                    throw ZooError("--resume continues with the run's own settings; \(conflicts.joined(separator: ", ")) "
                                   + "differ from those in \(run.lastCheckpoint) (leave them out)")
                }
            } else {
                if root && run.holdsRun {
                    throw ZooError("\(run.path) already holds a run; continue it with --resume or choose another --out")
                }
                var rng = RandomGenerator(seed: seed)
                let built = try entry.make(preset ?? entry.defaultPreset, &rng)
                var settings = TrainingSettings(defaults: built.trainingDefaults, seed: seed,
                                                data: dataOptions.spec().description)
                if let steps { settings.steps = steps }
                settings.deriveCadences()
                if let batchSize { settings.batchSize = batchSize }
                if let lr { settings.learningRate = lr }
                job = TrainingJob(model: built, preset: preset ?? entry.defaultPreset, settings: settings, resume: nil)
            }
            var settings = job.settings
            if let checkpointEvery { settings.checkpointEvery = checkpointEvery }
            if let evalEvery { settings.evalEvery = evalEvery }
            settings.timeLimit = minutes.map { $0 * 60 }
            try settings.validate()
            if root { try run.prepare() }
            // Rank 0 prepares (and may generate and cache) the data first; the others then read it.
            func prepareData() throws -> PreparedData {
                try PreparedData.prepare(DataSpec(settings.data), contract: ContractRequirement(
                    job.model.contract, trainClipLength: settings.clipLength), note: { reporter.report(.message($0)) })
            }
            let data = root ? try prepareData() : nil
            try parallel?.barrier()
            let prepared = try data ?? prepareData()
            if root {
                try run.recordCommand(arguments)
                try run.recordConfig(model: job.model.modelName, preset: job.preset, configJSON: try job.model.configJSON(),
                                     settings: settings)
            }
            if let parallel, root {
                reporter.report(.message("distributed: \(parallel.size) ranks, \(settings.batchSize / Swift.max(1, parallel.size)) "
                                         + "of the \(settings.batchSize) clips of each batch per rank, gradients averaged"))
                if let layer = Self.batchCoupled[job.model.modelName], parallel.size > 1 {
                    reporter.report(.message("note: \(job.model.modelName): \(layer) computed over each rank's rows only "
                                             + "(no cross-rank sync), so training differs from one process on the whole batch"))
                }
            }

            let stop = StopFlag()
            let handler = InterruptHandler(flag: stop) {
                if root { writeToStandardError("\nstopping after this step and saving (Ctrl-C again to quit at once)\n") }
            }
            defer { handler.cancel() }
            let trainer = Trainer(model: job.model, preset: job.preset, settings: settings, data: prepared,
                                  run: root ? run : nil, reporter: reporter, stop: stop)
            trainer.distributed = parallel
            let summary = try trainer.run(resumeFrom: job.resume, checkpointPath: run.lastCheckpoint)
            let floor = root ? try summary.evaluation.flatMap { try copyLastEvaluation(like: $0, model: job.model, data: prepared) } : nil
            if let parallel, root, parallel.size > 1, summary.step > (job.resume?.step ?? 0) {
                let steps = Double(summary.step - (job.resume?.step ?? 0))
                reporter.report(.message(String(format: "distributed: gradient allreduce %.1f MB per step in %.1f calls, "
                                                + "%.3f s per step of %.3f s", Double(parallel.reducedBytes) / steps / 1e6,
                                                Double(parallel.reduceCalls) / steps, parallel.reduceSeconds / steps,
                                                summary.seconds / steps)))
            }
            if root { report(summary, job: job, settings: settings, run: run, floor: floor, to: sink) }
            if summary.outcome == .interrupted {
                if !root { throw ExitCode(130) }
                let launcher = parallel.map { ["mpirun", "-np", "\($0.size)"] } ?? []
                writeToStandardError("resume with: " + (launcher + arguments.map(RunDirectory.shellQuoted)
                                     + (resume ? [] : ["--resume"])).joined(separator: " ") + "\n")
                throw ExitCode(130)
            }
        }

        /// copy-last on the clips, samples and seed of the final evaluation `e` (nil for copy-last itself).
        private func copyLastEvaluation(like e: EvaluationResult, model: any VideoPredictor,
                                        data: PreparedData) throws -> EvaluationResult? {
            guard model.modelName != "copy-last" else { return nil }
            var rng = RandomGenerator(seed: 0)
            let floor = try defaultRegistry.entry(named: "copy-last")
                .load(try sortedJSON(["contract": model.contract]), &rng)
            return try Evaluator.evaluate(floor, preset: "-", step: 0, test: data.test, startFrame: data.testStartFrame,
                                          pixelReduction: data.pixelReduction, data: e.data,
                                          settings: EvaluationSettings(clips: e.clips, samples: e.samples, seed: 0)).0
        }

        private func report(_ summary: TrainingSummary, job: TrainingJob, settings: TrainingSettings,
                            run: RunDirectory, floor: EvaluationResult?, to sink: ResultSink) {
            let outcome: String
            switch summary.outcome {
            case .finished: outcome = "finished"
            case .interrupted: outcome = "interrupted"
            case .timeLimit: outcome = "time limit"
            }
            if output.json {
                let losses = Dictionary(summary.losses.map { ($0.0, $0.1) }, uniquingKeysWith: { a, _ in a })
                let report = TrainReport(model: job.model.modelName, preset: job.preset, outcome: outcome,
                                         step: summary.step, steps: settings.steps, losses: losses,
                                         checkpoint: summary.checkpoint.map { _ in run.lastCheckpoint }, run: run.path,
                                         seconds: summary.seconds,
                                         evaluation: summary.evaluation, copyLast: floor)
                sink.line((try? jsonText(report)) ?? "{}")
                return
            }
            sink.line("\(job.model.modelName) (\(job.preset)): \(outcome) at step \(summary.step)/\(settings.steps)"
                      + (summary.losses.names.isEmpty ? "" : ", " + ProgressFormat.losses(summary.losses)))
            if summary.checkpoint != nil { sink.line("checkpoint: \(run.lastCheckpoint)") }
            if let e = summary.evaluation {
                sink.line("evaluation on \(e.clips) test clips x \(e.samples) samples:")
                sink.line(evaluationTable(e).text())
                if let floor {
                    let pairs = ["crps", "mse_mean"].compactMap { name -> (String, Double, Double)? in
                        guard let model = e[name]?.mean, let copy = floor[name]?.mean else { return nil }
                        return (name, model, copy)
                    }
                    sink.line("copy-last on the same clips: " + pairs.map { name, model, copy in
                        "\(displayName(name)) \(metricText(copy))" + (model < copy ? " (beaten)" : " (not beaten)")
                    }.joined(separator: ", "))
                }
            }
        }
    }
}

/// A model with its run settings, fresh or restored from a run folder.
struct TrainingJob {
    var model: any VideoPredictor
    var preset: String
    var settings: TrainingSettings
    var resume: Checkpoint?

    /// The job stored in `run`'s last checkpoint, continued up to `steps` (or its own total).
    static func resuming(entry: ModelEntry, run: RunDirectory, preset: String?, steps: Int?) throws -> TrainingJob {
        let path = run.lastCheckpoint
        guard FileManager.default.fileExists(atPath: path) else {
            throw ZooError("--resume: \(run.path) holds no last.h5 to resume from")
        }
        let checkpoint = try Checkpoint.read(from: path)
        guard checkpoint.model == entry.name else {
            throw CheckpointError.wrongModel(file: path, found: checkpoint.model, expected: entry.name)
        }
        if let preset, preset != checkpoint.preset {
            throw ZooError("--resume: \(path) was trained with preset '\(checkpoint.preset)', not '\(preset)'")
        }
        guard var settings = checkpoint.trainingSettings() else {
            throw ZooError("--resume: \(path) holds no training settings (it was not written by `zoo train`)")
        }
        if let steps {
            settings.steps = steps
        }
        var rng = RandomGenerator(seed: settings.seed)
        let model = try entry.load(checkpoint.configJSON, &rng)
        return TrainingJob(model: model, preset: checkpoint.preset, settings: settings, resume: checkpoint)
    }
}
