// `zoo compare`: several models on the same data, test clips and seeds, as a named experiment (the paper's
// Table 1 or Table 2) or a free list. Trains those without a finished run (an equal step or time budget each),
// evaluates all, and writes compare.json, compare.md, report.md and a self-contained report.html with the
// tables, the protocol card and Figures 2-4. Rerunning picks up where it stopped (CompareLedger.swift).
import ArgumentParser
import Foundation
import ModelZoo
import ZooCore

extension Zoo {
    /// `zoo compare (--recipe table1|table2 | --models a,b[:preset],...) [--runs DIR,...] [--data D] [--steps N] [--minutes M]`.
    public struct Compare: ParsableCommand {
        public static let configuration = CommandConfiguration(
            abstract: "Compare models on the same test clips and seeds: train, evaluate, tables and figures.",
            discussion: """
                --recipe table1 runs every registered model's --preset (cpu by default; copy-last among them); \
                --recipe table2 the paper's ablations (VD vs RVD, RVD trained on 2+6 vs 2+3 frames, IVRNN on 4+8 \
                vs 4+4). --models takes NAME or NAME:PRESET entries instead (or in addition). Each model is trained \
                into <out>/<name>-<preset> for --steps (default: its preset's) and at most --minutes: the same \
                budget for all. Rerunning the same command reuses finished runs and evaluations and resumes a run \
                that was cut off; a run made with other settings is moved aside to <folder>.replaced and trained \
                again, and the report says which happened to each model. --runs adds finished runs (folders holding \
                last.h5) instead of training. Every model must share one clip contract. Output: the table on \
                stdout, <out>/report.md and <out>/report.html (tables, evaluation protocol, Figures 2-4; the HTML \
                is self-contained), compare.md, compare.json, truth.h5 and each run's compare/predictions.h5 (the \
                scored samples, readable by zoo metrics). --metrics picks the metrics as in zoo eval (a recipe adds \
                FVD when its weights are present); the weights are loaded before any training.
                """)

        @Option(help: ArgumentHelp("A named experiment: table1 or table2.", valueName: "name"))
        public var recipe: String?

        @Option(help: ArgumentHelp("Models to train and compare: NAME or NAME:PRESET, comma-separated.",
                                   valueName: "a,b:preset,..."))
        public var models: String = ""

        @Option(help: "Preset of a recipe's models and of --models entries without one (recipes: cpu).")
        public var preset: String?

        @Option(help: ArgumentHelp("Finished run folders to include instead of training.", valueName: "dir,..."))
        public var runs: String = ""

        @OptionGroup public var dataOptions: DataOptions

        @Option(help: "Training steps for each model trained here (default: each preset's).")
        public var steps: Int?

        @Option(help: "At most this many minutes of training per model.")
        public var minutes: Double?

        @Option(help: "Seed of the training runs.")
        public var seed: UInt64 = 0

        @Option(help: "Folder for the training runs, the tables and the report.")
        public var out: String = "runs/compare"

        @OptionGroup public var evaluation: EvaluationOptions
        @OptionGroup public var metricOptions: MetricOptions
        @OptionGroup public var output: OutputOptions

        public init() {}

        /// (name, preset) of each --models entry, as written.
        var modelSpecs: [(name: String, preset: String?)] {
            models.split(separator: ",").map { part in
                let pieces = part.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                return (pieces[0], pieces.count > 1 ? pieces[1] : nil)
            }
        }

        /// The --runs folders.
        var runFolders: [String] { runs.split(separator: ",").map { String($0) } }

        public func validate() throws {
            guard recipe != nil || !modelSpecs.isEmpty || !runFolders.isEmpty else {
                throw ValidationError("give --models (and/or --runs) or --recipe to compare")
            }
            if let recipe {
                do { _ = try CompareRecipe.named(recipe) } catch let error as ZooError { throw ValidationError(error.description) }
            }
            for spec in modelSpecs { _ = try checkModel(spec.name, preset: spec.preset ?? preset) }
            for folder in runFolders where !FileManager.default.fileExists(atPath: folder + "/last.h5") {
                throw ValidationError("--runs \(folder): no last.h5 in that folder")
            }
            if let steps, steps < 0 { throw ValidationError("--steps must be ≥ 0") }
            if let minutes, !(minutes > 0) { throw ValidationError("--minutes must be > 0") }
        }

        public func run() throws { try execute(.standardOutput()) }

        /// The candidates to train: the recipe's, then --models entries not already among them.
        func candidateSpecs() throws -> [CompareCandidateSpec] {
            var specs: [CompareCandidateSpec] = []
            if let recipe { specs = try CompareRecipe.named(recipe).specs(preset: preset ?? "cpu") }
            for spec in try parseModelList(models, defaultPreset: preset) where !specs.contains(spec) { specs.append(spec) }
            return specs
        }

        /// The metrics: --metrics, else the default (a recipe adds FVD when its weights are present).
        func loadMetrics() throws -> EvaluationMetrics {
            if recipe != nil, metricOptions.metricList == nil {
                return try EvaluationMetrics.load(EvaluationMetrics.standardKinds + [.fvd], optional: [.lpips, .fvd],
                                                  weightsDirectory: metricOptions.weightsDirectory)
            }
            return try metricOptions.load()
        }

        /// Trains what needs training, evaluates everything, writes the tables and the report.
        public func execute(_ sink: ResultSink) throws {
            let started = Date()
            let reporter = makeTrainingReporter(quiet: output.quiet)
            var metrics = try loadMetrics()
            // Every model is scored on the same clips: FVD's real side (I3D over the true clips) is computed once.
            metrics.realFeatureMemo = I3DFeatureMemo()
            let labelFrames = recipe.flatMap(CompareRecipe.init(rawValue:))?.labelsTrainingFrames ?? false
            // Every model to compare: given runs first, then those to train. All are built (and checked) before
            // any training starts.
            var given: [(model: any VideoPredictor, preset: String, run: RunDirectory)] = []
            for folder in runFolders {
                let (model, checkpoint) = try loadModel(checkpoint: folder + "/last.h5", strict: true, useEMA: true)
                given.append((model, checkpoint.preset, RunDirectory(path: folder)))
            }
            var candidates: [CompareCandidate] = []
            for spec in try candidateSpecs() {
                if spec.trainClipLength == nil,
                   given.contains(where: { $0.model.modelName == spec.name && $0.preset == spec.preset }) { continue }
                candidates.append(try buildCandidate(spec, seed: seed, labelTrainingFrames: labelFrames))
            }
            let all: [(label: String, model: any VideoPredictor, preset: String)] =
                given.map { ($0.model.modelName, $0.model, $0.preset) } + candidates.map { ($0.label, $0.model, $0.spec.preset) }
            guard let reference = all.first else { throw ZooError("nothing to compare") }
            let contract = reference.model.contract
            if let odd = all.first(where: { $0.model.contract != contract }) {
                throw ZooError("models must share one clip contract to be compared: \(reference.label) (\(reference.preset)) "
                               + "has \(contract), \(odd.label) (\(odd.preset)) has \(odd.model.contract); pick presets that "
                               + "agree (--preset, or NAME:PRESET)")
            }
            let longest = all.map { $0.model.trainingDefaults.clipLength }.max() ?? contract.clipLength
            let spec = dataOptions.spec()
            let data: PreparedData
            do {
                data = try PreparedData.prepare(spec, contract: ContractRequirement(contract, trainClipLength: longest),
                                                note: { reporter.report(.message($0)) })
            } catch let error as PredictorError {
                throw ZooError("--data \(spec.description) does not fit the models compared (\(all.map(\.label).joined(separator: ", ")), "
                               + "\(contract)): \(error.description); nothing was trained")
            }
            do { try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true) } catch {
                throw ZooError("--out \(out): cannot create the folder (\(error.localizedDescription))")
            }

            var rows: [CompareReport.Row] = []
            var truthWritten = false
            let truthKey = CompareTruthKey(settings: evaluation.settings, data: spec.description, contract: "\(contract)")
            func evaluate(_ label: String, _ run: RunDirectory, _ trainFrames: Int?, _ trainingSeconds: Double?,
                          _ training: String) throws {
                var (row, clips) = try evaluateRun(label: label, run: run, data: data, spec: spec, metrics: metrics,
                                                   truthKey: truthKey)
                row.trainFrames = trainFrames
                row.trainingSeconds = trainingSeconds
                row.training = training
                rows.append(row)
                // The true clips are written as soon as one evaluation has them, so a run cut off later still
                // leaves a truth file that matches the evaluations kept.
                if let clips, !truthWritten {
                    try writeTruth(clips, to: out + "/truth.h5")
                    try (jsonText(truthKey) + "\n").write(toFile: out + "/truth.json", atomically: true, encoding: .utf8)
                    truthWritten = true
                }
            }
            for g in given {
                let step = try Checkpoint.read(from: g.run.lastCheckpoint).step
                try evaluate(g.model.modelName, g.run, nil, nil, "given run (step \(step)), not trained here")
            }
            for candidate in candidates {
                let run = RunDirectory(path: out + "/" + candidate.spec.folderName)
                let (status, seconds) = try trainIfNeeded(candidate, run: run, data: data, spec: spec, reporter: reporter)
                try evaluate(candidate.label, run, candidate.model.trainingDefaults.clipLength, seconds, status)
            }

            let first = rows[0].evaluation
            var notes: [String] = []
            for row in rows { for line in row.evaluation.notes ?? [] where !notes.contains(line) { notes.append(line) } }
            let formatter = ISO8601DateFormatter()
            let report = CompareReport(
                recipe: recipe, data: spec.description, clips: first.clips, samples: first.samples, seed: first.seed,
                contextFrames: contract.contextFrames, predictedFrames: contract.predictedFrames,
                budget: .init(steps: steps, minutes: minutes), trainingSeed: seed,
                command: CommandLine.arguments.map(RunDirectory.shellQuoted).joined(separator: " "),
                machine: SystemInfo.current(), zooVersion: ZooVersion.current, wallSeconds: Date().timeIntervalSince(started),
                written: formatter.string(from: Date()), rows: rows, notes: notes.isEmpty ? nil : notes)
            try writeDocuments(report)
            let table = report.table1()
            if output.json {
                sink.line(try jsonText(report))
            } else {
                sink.line("\(report.clips) test clips x \(report.samples) samples, data \(report.data), seed \(report.seed)")
                sink.line(table.markdown())
                if recipe == "table2" { sink.line(report.table2().markdown()) }
                for line in report.reuseLines() { sink.line(line) }
                for line in notes { sink.line("note: " + line) }
                sink.line("written to \(out)/report.md, \(out)/report.html and \(out)/compare.md")
            }
        }

        /// The path of `file` as the report in `out` links it.
        func relative(_ file: String) -> String {
            let base = out.hasSuffix("/") ? out : out + "/"
            return file.hasPrefix(base) ? String(file.dropFirst(base.count)) : URL(fileURLWithPath: file).path
        }

        /// Evaluates a run's last.h5, or reuses the evaluation stored with it when its key matches.
        private func evaluateRun(label: String, run: RunDirectory, data: PreparedData, spec: DataSpec,
                                 metrics: EvaluationMetrics, truthKey: CompareTruthKey) throws -> (CompareReport.Row, (bytes: [UInt8], shape: [Int])?) {
            let path = run.lastCheckpoint
            let checkpoint = try Checkpoint.read(from: path)
            let key = try CompareEvaluationKey.of(checkpoint: path, step: checkpoint.step, settings: evaluation.settings,
                                                  metrics: metrics, data: spec.description)
            let files = CompareFigureFiles(run: run)
            func row(_ record: CompareEvaluationRecord, source: String) -> CompareReport.Row {
                CompareReport.Row(label: label, model: record.result.model, preset: record.result.preset, run: run.path,
                                  steps: record.result.step, parameters: record.parameters, evaluationSource: source,
                                  evaluation: record.result, predictions: relative(files.predictions),
                                  sampleGrid: relative(files.grid), animation: relative(files.animation),
                                  heatmap: relative(files.heatmap))
            }
            if let stored = CompareEvaluationRecord.reusable(in: run, key: key),
               FileManager.default.fileExists(atPath: out + "/truth.h5"),
               CompareTruthKey.read(out + "/truth.json") == truthKey {
                if !output.quiet { note("reusing the evaluation of \(label) (\(CompareEvaluationRecord.path(in: run)))") }
                return (row(stored, source: "reused from \(relative(CompareEvaluationRecord.path(in: run)))"), nil)
            }
            let (model, _) = try loadModel(checkpoint: path, strict: true, useEMA: true)
            if !output.quiet { note("evaluating \(label) (\(checkpoint.preset)) from \(path)") }
            let collector = CompareFigureCollector()
            let (result, _) = try Evaluator.evaluate(
                model, preset: checkpoint.preset, step: checkpoint.step, test: data.test, startFrame: data.testStartFrame,
                pixelReduction: data.pixelReduction, data: spec.description, settings: evaluation.settings,
                metrics: metrics, progress: evaluationProgress(label, quiet: output.quiet),
                observe: { collector.add($0) })
            let truth = try collector.write(files)
            let record = CompareEvaluationRecord(key: key, result: result, parameters: model.parameterCount)
            try record.write(in: run)
            return (row(record, source: "computed"), truth)
        }

        /// Trains (or resumes, or reuses) one candidate's run; returns what happened and its training seconds.
        private func trainIfNeeded(_ candidate: CompareCandidate, run: RunDirectory, data: PreparedData, spec: DataSpec,
                                   reporter: any TrainingReporter) throws -> (String, Double) {
            let model = candidate.model
            let key = CompareTrainingKey(model: model.modelName, preset: candidate.spec.preset, config: candidate.configJSON,
                                         steps: steps ?? model.trainingDefaults.steps, minutes: minutes, seed: seed,
                                         data: spec.description)
            var status = "trained here"
            var record = try CompareRunRecord.read(in: run)
            if let stored = record, stored.key != key {
                let aside = run.path + ".replaced"
                try? FileManager.default.removeItem(atPath: aside)
                do { try FileManager.default.moveItem(atPath: run.path, toPath: aside) } catch {
                    throw ZooError("\(run.path): cannot move the earlier run aside to \(aside) (\(error.localizedDescription))")
                }
                status = "trained again: " + key.differences(from: stored.key).joined(separator: ", ")
                    + " changed (the earlier run is in \(aside))"
                record = nil
            } else if record == nil, run.holdsRun {
                throw ZooError("\(run.path) holds a run that zoo compare did not make (no compare-run.json); remove it or "
                               + "choose another --out")
            }
            if let stored = record, stored.finished, FileManager.default.fileExists(atPath: run.lastCheckpoint) {
                if !output.quiet { note("reusing \(run.lastCheckpoint) (step \(stored.step), budget spent)") }
                return ("reused: finished run at step \(stored.step) (same settings)", stored.trainingSeconds)
            }
            var settings = TrainingSettings(defaults: model.trainingDefaults, seed: seed, data: spec.description)
            settings.steps = key.steps
            settings.deriveCadences()
            settings.evalEvery = 0
            let spent = record?.trainingSeconds ?? 0
            settings.timeLimit = minutes.map { Swift.max(0, $0 * 60 - spent) }
            var resume: Checkpoint?
            var trainedModel = model
            if record != nil, FileManager.default.fileExists(atPath: run.lastCheckpoint) {
                let checkpoint = try Checkpoint.read(from: run.lastCheckpoint)
                if var stored = checkpoint.trainingSettings() {
                    stored.steps = settings.steps
                    stored.timeLimit = settings.timeLimit
                    settings = stored
                }
                var rng = RandomGenerator(seed: seed)
                trainedModel = try defaultRegistry.entry(named: checkpoint.model).load(checkpoint.configJSON, &rng)
                resume = checkpoint
                status = "resumed from step \(checkpoint.step) (cut off earlier)"
            }
            try run.prepare()
            var current = record ?? CompareRunRecord(key: key, finished: false, step: 0, trainingSeconds: 0)
            try current.write(in: run)
            try run.recordCommand(CommandLine.arguments)
            try run.recordConfig(model: trainedModel.modelName, preset: candidate.spec.preset,
                                 configJSON: try trainedModel.configJSON(), settings: settings)
            // No test clips: compare evaluates every model itself, once, the same way.
            let trainer = Trainer(model: trainedModel, preset: candidate.spec.preset, settings: settings, train: data.train,
                                  pixelReduction: data.pixelReduction, run: run, reporter: reporter)
            let summary = try trainer.run(resumeFrom: resume, checkpointPath: run.lastCheckpoint)
            current.step = summary.step
            current.trainingSeconds = spent + summary.seconds
            current.finished = summary.outcome != .interrupted
            try current.write(in: run)
            return (status + " (\(summary.step) steps, \(String(format: "%.0f", current.trainingSeconds)) s)", current.trainingSeconds)
        }

        /// compare.json, compare.md, report.md, report.html and the Figure 3 SVG files.
        private func writeDocuments(_ report: CompareReport) throws {
            let figures = out + "/figures"
            try FileManager.default.createDirectory(atPath: figures, withIntermediateDirectories: true)
            var plots = [report.inverseCRPSPlot()]
            if let lpips = report.lpipsPlot() { plots.append(lpips) }
            var links: [String: String] = [:]
            var svgs: [String] = []
            for plot in plots {
                let svg = plot.svg()
                try svg.write(toFile: figures + "/\(plot.id).svg", atomically: true, encoding: .utf8)
                links[plot.id] = "figures/\(plot.id).svg"
                svgs.append(svg)
            }
            try report.markdown(figures: links).write(toFile: out + "/report.md", atomically: true, encoding: .utf8)
            let base = out.hasSuffix("/") ? out : out + "/"
            try report.html(svgs: svgs, embed: { dataURI($0.hasPrefix("/") ? $0 : base + $0) })
                .write(toFile: out + "/report.html", atomically: true, encoding: .utf8)
            try (jsonText(report) + "\n").write(toFile: out + "/compare.json", atomically: true, encoding: .utf8)
            let contract = "\(report.contextFrames ?? 0) context + \(report.predictedFrames ?? 0) predicted frames"
            let compareMarkdown = "# zoo compare\n\nData \(report.data): \(report.clips) test clips x \(report.samples) samples, "
                + "\(contract), seed \(report.seed). CRPS, MSE and PSNR on the 0-255 scale; best of each column in bold. "
                + "The full report: report.md and report.html.\n\n" + report.table1().markdown() + "\n"
                + (report.recipe == "table2" ? "\n" + report.table2().markdown() + "\n" : "")
                + (report.notes ?? []).map { "\nNote: \($0)\n" }.joined()
            try compareMarkdown.write(toFile: out + "/compare.md", atomically: true, encoding: .utf8)
        }
    }
}
