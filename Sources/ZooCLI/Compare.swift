// `zoo compare`: several models on the same data, test clips and seeds; trains those without a finished
// run (within a step or time budget), evaluates all, prints one table and writes it as Markdown.
import ArgumentParser
import Foundation
import ModelZoo
import ZooCore

/// What `zoo compare --json` prints (and compare.json holds).
struct CompareReport: Codable {
    struct Row: Codable {
        var model: String
        var preset: String
        var run: String
        var steps: Int
        var evaluation: EvaluationResult
    }
    var data: String
    var clips: Int
    var samples: Int
    var seed: UInt64
    var rows: [Row]
}

extension Zoo {
    /// `zoo compare --models a,b[:preset],... [--runs DIR,...] [--data D] [--steps N] [--minutes M]`.
    public struct Compare: ParsableCommand {
        public static let configuration = CommandConfiguration(
            abstract: "Compare models on the same test clips and seeds: train, evaluate, one table.",
            discussion: """
                Each --models entry is NAME or NAME:PRESET. A model without a finished run is trained into \
                <out>/<name>-<preset> for --steps (default: its preset's) and at most --minutes; a run folder \
                already there is reused when it reached the steps, else resumed. --runs adds finished runs \
                (folders holding last.h5) instead of training. Every model must share one clip contract. \
                The table goes to stdout and to <out>/compare.md (and compare.json). --metrics picks the metrics \
                as in zoo eval (LPIPS by default when its weights are present; FVD on request); the weights are \
                loaded before any training, so a missing one stops the command at once.
                """)

        @Option(help: ArgumentHelp("Models to train and compare: NAME or NAME:PRESET, comma-separated.",
                                   valueName: "a,b:preset,..."))
        public var models: String = ""

        @Option(help: ArgumentHelp("Finished run folders to include instead of training.", valueName: "dir,..."))
        public var runs: String = ""

        @OptionGroup public var dataOptions: DataOptions

        @Option(help: "Training steps for each model trained here (default: each preset's).")
        public var steps: Int?

        @Option(help: "At most this many minutes of training per model.")
        public var minutes: Double?

        @Option(help: "Seed of the training runs.")
        public var seed: UInt64 = 0

        @Option(help: "Folder for the training runs and the table.")
        public var out: String = "runs/compare"

        @OptionGroup public var evaluation: EvaluationOptions
        @OptionGroup public var metricOptions: MetricOptions
        @OptionGroup public var output: OutputOptions

        public init() {}

        /// (name, preset) of each --models entry.
        var modelSpecs: [(name: String, preset: String?)] {
            models.split(separator: ",").map { part in
                let pieces = part.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                return (pieces[0], pieces.count > 1 ? pieces[1] : nil)
            }
        }

        /// The --runs folders.
        var runFolders: [String] { runs.split(separator: ",").map { String($0) } }

        public func validate() throws {
            guard !modelSpecs.isEmpty || !runFolders.isEmpty else {
                throw ValidationError("give --models (and/or --runs) to compare")
            }
            for spec in modelSpecs { _ = try checkModel(spec.name, preset: spec.preset) }
            for folder in runFolders where !FileManager.default.fileExists(atPath: folder + "/last.h5") {
                throw ValidationError("--runs \(folder): no last.h5 in that folder")
            }
            if let steps, steps < 0 { throw ValidationError("--steps must be ≥ 0") }
            if let minutes, !(minutes > 0) { throw ValidationError("--minutes must be > 0") }
        }

        public func run() throws { try execute(.standardOutput()) }

        /// Trains what needs training, evaluates everything, writes the table.
        public func execute(_ sink: ResultSink) throws {
            let reporter = makeTrainingReporter(quiet: output.quiet)
            let metrics = try metricOptions.load()
            // Every candidate as (model to check the contract with, its run folder, whether to train it).
            var candidates: [(model: any VideoPredictor, preset: String, run: RunDirectory, train: Bool)] = []
            for folder in runFolders {
                let (model, checkpoint) = try loadModel(checkpoint: folder + "/last.h5", strict: true, useEMA: true)
                candidates.append((model, checkpoint.preset, RunDirectory(path: folder), false))
            }
            for spec in modelSpecs {
                let entry = try checkModel(spec.name, preset: spec.preset)
                let preset = spec.preset ?? entry.defaultPreset
                if candidates.contains(where: { $0.model.modelName == entry.name && $0.preset == preset }) { continue }
                var rng = RandomGenerator(seed: seed)
                candidates.append((try entry.make(preset, &rng), preset,
                                   RunDirectory(path: out + "/\(entry.name)-\(preset)"), true))
            }
            let contract = candidates[0].model.contract
            if let odd = candidates.first(where: { $0.model.contract != contract }) {
                throw ZooError("models must share one clip contract to be compared: \(candidates[0].model.modelName) "
                               + "(\(candidates[0].preset)) has \(contract), \(odd.model.modelName) (\(odd.preset)) has "
                               + "\(odd.model.contract); pick presets that agree (NAME:PRESET)")
            }
            let longest = candidates.map { $0.model.trainingDefaults.clipLength }.max() ?? contract.clipLength
            let spec = dataOptions.spec()
            let data = try PreparedData.prepare(spec, contract: ContractRequirement(contract, trainClipLength: longest),
                                                note: { reporter.report(.message($0)) })
            do { try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true) } catch {
                throw ZooError("--out \(out): cannot create the folder (\(error.localizedDescription))")
            }

            var rows: [CompareReport.Row] = []
            for candidate in candidates {
                if candidate.train {
                    try train(candidate.model, preset: candidate.preset, run: candidate.run, data: data, spec: spec,
                              reporter: reporter)
                }
                let path = candidate.run.lastCheckpoint
                let (model, checkpoint) = try loadModel(checkpoint: path, strict: true, useEMA: true)
                if !output.quiet { note("evaluating \(model.modelName) (\(checkpoint.preset)) from \(path)") }
                let (result, _) = try Evaluator.evaluate(
                    model, preset: checkpoint.preset, step: checkpoint.step, test: data.test,
                    startFrame: data.testStartFrame, pixelReduction: data.pixelReduction, data: spec.description,
                    settings: evaluation.settings, metrics: metrics)
                rows.append(CompareReport.Row(model: model.modelName, preset: checkpoint.preset,
                                              run: candidate.run.path, steps: checkpoint.step, evaluation: result))
            }
            let first = rows[0].evaluation
            let report = CompareReport(data: spec.description, clips: first.clips, samples: first.samples,
                                       seed: first.seed, rows: rows)
            let table = compareTable(report)
            var notes: [String] = []
            for row in rows { for line in row.evaluation.notes ?? [] where !notes.contains(line) { notes.append(line) } }
            let fvdText = rows.contains { $0.evaluation.fvd != nil }
                ? " FVD: the first sample of each clip against the true clip, \(contract.contextFrames) context + "
                    + "\(contract.predictedFrames) predicted frames, over the clips in its column." : ""
            let markdown = "# zoo compare\n\nData \(report.data): \(report.clips) test clips x \(report.samples) samples, "
                + "\(contract.contextFrames) context + \(contract.predictedFrames) predicted frames, seed \(report.seed). "
                + "CRPS, MSE and PSNR on the 0-255 scale; best of S in parentheses.\(fvdText)\n\n" + table.markdown() + "\n"
                + notes.map { "\nNote: \($0)\n" }.joined()
            try markdown.write(toFile: out + "/compare.md", atomically: true, encoding: .utf8)
            try (jsonText(report) + "\n").write(toFile: out + "/compare.json", atomically: true, encoding: .utf8)
            if output.json {
                sink.line(try jsonText(report))
            } else {
                sink.line("\(report.clips) test clips x \(report.samples) samples, data \(report.data), seed \(report.seed)")
                sink.line(table.markdown())
                for line in notes { sink.line("note: " + line) }
                sink.line("written to \(out)/compare.md")
            }
        }

        /// Trains (or resumes, or reuses) one model's run.
        private func train(_ model: any VideoPredictor, preset: String, run: RunDirectory, data: PreparedData,
                           spec: DataSpec, reporter: any TrainingReporter) throws {
            var settings = TrainingSettings(defaults: model.trainingDefaults, seed: seed, data: spec.description)
            if let steps { settings.steps = steps }
            settings.deriveCadences()
            settings.evalEvery = 0
            settings.timeLimit = minutes.map { $0 * 60 }
            var resume: Checkpoint?
            var trainedModel = model
            if run.holdsRun, FileManager.default.fileExists(atPath: run.lastCheckpoint) {
                let checkpoint = try Checkpoint.read(from: run.lastCheckpoint)
                if checkpoint.step >= settings.steps || model.parameterCount == 0 {
                    if !output.quiet { note("reusing \(run.lastCheckpoint) (step \(checkpoint.step))") }
                    return
                }
                if var stored = checkpoint.trainingSettings() {
                    stored.steps = settings.steps
                    stored.timeLimit = settings.timeLimit
                    settings = stored
                }
                var rng = RandomGenerator(seed: seed)
                trainedModel = try defaultRegistry.entry(named: checkpoint.model).load(checkpoint.configJSON, &rng)
                resume = checkpoint
            } else if run.holdsRun {
                throw ZooError("\(run.path) holds a run without last.h5; remove it or choose another --out")
            }
            try run.prepare()
            try run.recordCommand(CommandLine.arguments)
            try run.recordConfig(model: trainedModel.modelName, preset: preset, configJSON: try trainedModel.configJSON(),
                                 settings: settings)
            // No test clips: compare evaluates every model itself, once, the same way.
            let trainer = Trainer(model: trainedModel, preset: preset, settings: settings, train: data.train,
                                  pixelReduction: data.pixelReduction, run: run, reporter: reporter)
            _ = try trainer.run(resumeFrom: resume, checkpointPath: run.lastCheckpoint)
        }

        /// One row per model: steps, clips x samples, CRPS, MSE of the sample mean, PSNR, SSIM and LPIPS (best of S
        /// beside), and FVD with its clip count when any model has it.
        func compareTable(_ report: CompareReport) -> TextTable {
            let evaluations = report.rows.map(\.evaluation)
            let hasLPIPS = evaluations.contains { $0["lpips"] != nil }
            let hasFVD = evaluations.contains { $0.fvd != nil }
            var header = ["model", "preset", "steps", "clips x S", "CRPS ↓", "MSE mean ↓", "PSNR ↑ (best)", "SSIM ↑ (best)"]
            if hasLPIPS { header.append("LPIPS ↓ (best)") }
            if hasFVD { header.append("FVD ↓ (clips, 1st sample)") }
            var table = TextTable(header, rightAligned: Set(2..<header.count))
            for row in report.rows {
                let e = row.evaluation
                func pair(_ name: String) -> String {
                    guard let m = e[name] else { return "-" }
                    return metricText(m.mean) + (m.bestOfSamples.map { " (\(metricText($0)))" } ?? "")
                }
                var cells = [row.model, row.preset, "\(row.steps)", "\(e.clips) x \(e.samples)", metricText(e["crps"]?.mean),
                             metricText(e["mse_mean"]?.mean), pair("psnr"), pair("ssim")]
                if hasLPIPS { cells.append(pair("lpips")) }
                if hasFVD { cells.append(e.fvd.map { String(format: "%.2f (%d)", $0.fvd, $0.realClips) } ?? "-") }
                table.add(cells)
            }
            return table
        }
    }
}
