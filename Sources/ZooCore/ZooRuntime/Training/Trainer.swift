// The training loop: batches, the model's own step, learning-rate schedules, EMA, checkpoints, periodic
// evaluation, NaN/Inf and Ctrl-C handling, and an exact resume. The model owns `trainStep`; the trainer
// owns everything around it (docs/architecture.md, "Decisions").

import Foundation
import ZooTensor
import ZooNN
import ZooData
import ZooMetrics

/// A run that cannot go on.
public enum TrainingError: Error, CustomStringConvertible, Equatable {
    /// A loss (or, before a save, a weight) became NaN or infinite.
    case nonFinite(step: Int, what: String, lastGoodCheckpoint: String?)
    /// One of the model's divergence rules held (`VideoPredictor.divergenceRules`, e.g. a GAN's
    /// discriminator winning outright); `rule` is its description.
    case diverged(step: Int, rule: String, lastGoodCheckpoint: String?)
    /// A resume checkpoint that does not belong to this run.
    case resumeMismatch(String)

    public var description: String {
        switch self {
        case let .nonFinite(step, what, last):
            return "\(what) became NaN or infinite at step \(step); training stopped. "
                + (last.map { "The last good checkpoint is \($0)." } ?? "No checkpoint had been written yet.")
                + " Try a lower learning rate (--lr)."
        case let .diverged(step, rule, last):
            return "training diverged at step \(step): \(rule); training stopped. "
                + (last.map { "The last good checkpoint is \($0)." } ?? "No checkpoint had been written yet.")
                + " Try another learning rate (--lr) or seed (--seed)."
        case let .resumeMismatch(text):
            return text
        }
    }
}

/// How a run went.
public struct TrainingSummary: Sendable {
    /// Why it stopped.
    public var outcome: TrainingOutcome
    /// Steps completed.
    public var step: Int
    /// The last step's losses (empty for a model without parameters).
    public var losses: StepLosses
    /// The newest checkpoint written (nil without a run folder).
    public var checkpoint: String?
    /// The evaluation at the end, when the run finished and had test clips.
    public var evaluation: EvaluationResult?
    /// Seconds of training in this process.
    public var seconds: Double
}

/// Trains one model.
public final class Trainer {
    /// The model being trained.
    public let model: any VideoPredictor
    /// Its preset name (stored in checkpoints).
    public let preset: String
    /// The run's settings.
    public let settings: TrainingSettings
    /// Training sequences and the block averaging that fits them to the model.
    public let train: any VideoSequenceSource
    public let pixelReduction: Int
    /// Test sequences and where clips start, for evaluation during and after training (nil: none).
    public let test: (source: any VideoSequenceSource, startFrame: Int)?
    /// Where checkpoints, metrics and samples go (nil: nothing is written).
    public let run: RunDirectory?
    /// Receives progress events.
    public let reporter: any TrainingReporter
    /// Set it to stop after the current step (with a checkpoint).
    public let stop: StopFlag
    /// Called after each dataset of every checkpoint write (tests make it throw part-way).
    public var checkpointWriteHook: ((Int) throws -> Void)?
    /// The evaluation result at the end (also in the summary).
    public private(set) var lastEvaluation: EvaluationResult?
    /// Data-parallel training over MPI (docs/distributed.md): this rank's share of each batch and of each
    /// per-row draw, gradients and losses averaged over the ranks, rank 0's weights broadcast at the start.
    /// Only rank 0 should get a run folder and a reporter; the others evaluate nothing and wait for it.
    public var distributed: DataParallel?

    /// Every parameter of the model in its current stage.
    private var parameters: [(String, Parameter)] { model.namedParameters() }
    private var clock = Date()
    private var lastSaved: (step: Int, path: String)?
    private var csv: CSVLog?

    /// Creates a trainer; nothing runs until `run(resumeFrom:)`.
    public init(model: any VideoPredictor, preset: String, settings: TrainingSettings, train: any VideoSequenceSource,
                pixelReduction: Int = 1, test: (source: any VideoSequenceSource, startFrame: Int)? = nil,
                run: RunDirectory? = nil, reporter: any TrainingReporter = SilentReporter(), stop: StopFlag = StopFlag()) {
        self.model = model
        self.preset = preset
        self.settings = settings
        self.train = train
        self.pixelReduction = pixelReduction
        self.test = test
        self.run = run
        self.reporter = reporter
        self.stop = stop
    }

    /// A trainer over prepared data.
    public convenience init(model: any VideoPredictor, preset: String, settings: TrainingSettings, data: PreparedData,
                            run: RunDirectory? = nil, reporter: any TrainingReporter = SilentReporter(),
                            stop: StopFlag = StopFlag()) {
        self.init(model: model, preset: preset, settings: settings, train: data.train,
                  pixelReduction: data.pixelReduction, test: (data.test, data.testStartFrame), run: run,
                  reporter: reporter, stop: stop)
    }

    /// Trains up to `settings.steps`, from the start or from `checkpoint` (a checkpoint this run's
    /// trainer wrote: weights, EMA, optimizer, random and batcher state are restored, so the losses and
    /// weights equal those of a run that never stopped).
    ///
    /// - Throws: `TrainingError.nonFinite` or `.diverged` (the last good checkpoint stays), `CheckpointError` when
    ///   `checkpoint` does not fit or a write fails, `BatcherError` when the data holds no clip.
    public func run(resumeFrom checkpoint: Checkpoint? = nil, checkpointPath: String = "checkpoint") throws -> TrainingSummary {
        try settings.validate()
        var rng = RandomGenerator(seed: settings.trainerSeed)
        var step = 0
        if let checkpoint {
            // The weights first: loading enters the checkpoint's stage, which decides the optimizer groups.
            try checkpoint.load(into: model, file: checkpointPath, strict: true)
            step = checkpoint.step
        } else {
            try enterStageIfNeeded(step: 0)
        }
        if let distributed {
            guard settings.batchSize % distributed.size == 0 else {
                throw DistributedError("--batch-size \(settings.batchSize) does not split over \(distributed.size) ranks "
                                       + "(each rank takes an equal share of every batch; choose a multiple of \(distributed.size))")
            }
            try distributed.broadcastWeights(model)
            rng.batchShard = distributed.shard
        }
        var optimizers = model.makeOptimizers(learningRate: settings.learningRate)
        optimizers.reducer = distributed
        var ema = makeEMA(optimizers)
        if let checkpoint {
            try restore(checkpoint, path: checkpointPath, optimizers: optimizers, ema: ema, rng: &rng)
            if let run { lastSaved = (step, run.lastCheckpoint) }
        }
        if let run {
            try run.prepare()
            csv = try CSVLog(path: run.metrics, truncateAfter: checkpoint == nil ? nil : step)
        }
        let startStep = step
        clock = Date()
        var losses = StepLosses()
        func snapshot() -> TrainingSnapshot {
            TrainingSnapshot(step: step, totalSteps: settings.steps, startStep: startStep, losses: losses,
                             learningRate: optimizers.members.first?.1.optimizer.learningRate ?? 0,
                             elapsed: Date().timeIntervalSince(clock))
        }
        reporter.report(.runStart(snapshot(), model: model.modelName, parameterCount: model.parameterCount))

        var outcome = TrainingOutcome.finished
        var divergence = DivergenceMonitor(rules: model.divergenceRules)
        if checkpoint != nil, let run, divergence.memory > 0, step >= 1 {
            divergence.replay(try loggedLosses(run.metrics, steps: Swift.max(1, step - divergence.memory + 1)...step,
                                               names: divergence.lossNames))
        }
        if parameters.isEmpty {
            reporter.report(.message("\(model.modelName) has no trainable parameters: nothing to train"))
        } else {
            let batcher = try Batcher(source: train, batchSize: settings.batchSize, clipLength: settings.clipLength,
                                      order: .random(seed: settings.dataSeed), pixelReduction: pixelReduction,
                                      startStep: step, shard: distributed?.shard)
            while step < settings.steps {
                var stopping: TrainingOutcome? = stop.isSet ? .interrupted : nil
                if stopping == nil, let limit = settings.timeLimit, Date().timeIntervalSince(clock) >= limit { stopping = .timeLimit }
                // Ranks stop together (any rank's reason stops all; an interrupt wins over the time limit).
                if let distributed { stopping = try distributed.agreeOnStop(stopping) }
                if let stopping { outcome = stopping; break }
                if try enterStageIfNeeded(step: step) {
                    // A growing model's new stage: its optimizers made again by the model (which decides
                    // whether any state carries over), the EMA extended to the stage's new parameters.
                    if let distributed { try distributed.broadcastWeights(model) }
                    optimizers = model.makeOptimizers(learningRate: settings.learningRate)
                    optimizers.reducer = distributed
                    ema?.include(optimizers.emaParameters)
                    reporter.report(.message("\(model.modelName): stage \(model.stage) from step \(step) "
                                             + "(\(model.parameterCount) parameters); optimizers rebuilt by the model"))
                }
                optimizers.applySchedules(step: step)
                guard let batch = try batcher.next() else { break }
                losses = model.trainStep(batch, optimizers: optimizers, step: step, rng: &rng)
                if let distributed { losses = try distributed.averageLosses(losses) }
                step += 1
                if let bad = losses.first(where: { !$0.1.isFinite }) {
                    throw TrainingError.nonFinite(step: step, what: "loss \(bad.0)", lastGoodCheckpoint: lastSaved?.path)
                }
                if let rule = divergence.record(losses) {
                    throw TrainingError.diverged(step: step, rule: rule.description, lastGoodCheckpoint: lastSaved?.path)
                }
                ema?.step(step - 1, parameters: optimizers.emaParameters)
                let lr = optimizers.members.map { ("lr" + ($0.0 == "model" ? "" : "/" + $0.0), $0.1.optimizer.learningRate) }
                try csv?.log(step: step, elapsed: Date().timeIntervalSince(clock),
                         losses.map { ($0.0, Double($0.1)) } + lr)
                reporter.report(.stepEnd(snapshot()))
                if step < settings.steps && step % settings.checkpointEvery == 0 {
                    try save(step: step, optimizers: optimizers, ema: ema, rng: rng)
                }
                if step < settings.steps && settings.evalEvery > 0 && step % settings.evalEvery == 0 {
                    try evaluate(step: step, ema: ema, final: false)
                }
            }
        }
        if lastSaved?.step != step || run.map({ !FileManager.default.fileExists(atPath: $0.lastCheckpoint) }) == true {
            try save(step: step, optimizers: optimizers, ema: ema, rng: rng)
        }
        if outcome == .finished { try evaluate(step: step, ema: ema, final: true) }
        let end = snapshot()
        reporter.report(.runEnd(end, outcome))
        return TrainingSummary(outcome: outcome, step: step, losses: losses, checkpoint: lastSaved?.path,
                               evaluation: lastEvaluation, seconds: end.elapsed)
    }

    /// The losses named `names` that the metrics log holds for each of `steps`, in order (a step without
    /// any is empty). The log stores each Float as the Double it converts to, so the values come back exact.
    private func loggedLosses(_ path: String, steps: ClosedRange<Int>, names: Set<String>) throws -> [StepLosses] {
        guard FileManager.default.fileExists(atPath: path) else { return [] }
        var byStep = [Int: StepLosses]()
        for row in try CSVLog.read(path: path) where steps.contains(row.step) && names.contains(row.name) {
            byStep[row.step, default: StepLosses()][row.name] = Float(row.value)
        }
        return steps.map { byStep[$0] ?? StepLosses() }
    }

    /// The EMA the settings ask for, over the groups the model lets it cover (nil: none).
    private func makeEMA(_ optimizers: OptimizerGroup) -> EMA? {
        let covered = optimizers.emaParameters
        guard let decay = settings.emaDecay, !covered.isEmpty else { return nil }
        return EMA(decay: decay, updateEvery: settings.emaEvery, startStep: settings.emaStart, parameters: covered)
    }

    /// Moves a growing model to the stage of `step` when it is elsewhere; whether it moved.
    @discardableResult
    private func enterStageIfNeeded(step: Int) throws -> Bool {
        let wanted = model.stage(forStep: step)
        guard wanted != model.stage else { return false }
        try model.enterStage(wanted)
        return true
    }

    /// The run's state as a checkpoint (what `save` writes).
    public func makeCheckpoint(step: Int, optimizers: OptimizerGroup, ema: EMA?, rng: RandomGenerator) throws -> Checkpoint {
        var checkpoint = try Checkpoint.capture(model, preset: preset, step: step, seed: settings.seed, ema: ema,
                                                optimizers: optimizers)
        checkpoint.rngState = rng.stateWords
        checkpoint.batcherStep = step
        checkpoint.batcherSeed = settings.dataSeed
        checkpoint.trainingJSON = try settings.json()
        return checkpoint
    }

    // MARK: - Checkpoints

    private func save(step: Int, optimizers: OptimizerGroup, ema: EMA?, rng: RandomGenerator) throws {
        guard let run else { return }
        if let bad = parameters.first(where: { !$0.1.value.isFinite }) {
            throw TrainingError.nonFinite(step: step, what: "parameter \(bad.0)", lastGoodCheckpoint: lastSaved?.path)
        }
        let checkpoint = try makeCheckpoint(step: step, optimizers: optimizers, ema: ema, rng: rng)
        let path = run.checkpoint(step: step)
        try checkpoint.write(to: path, hook: checkpointWriteHook)
        try copyAtomically(from: path, to: run.lastCheckpoint)
        run.pruneCheckpoints(keep: settings.keepCheckpoints)
        lastSaved = (step, path)
        reporter.report(.checkpointSaved(step: step, path: path))
    }

    private func restore(_ checkpoint: Checkpoint, path: String, optimizers: OptimizerGroup, ema: EMA?,
                         rng: inout RandomGenerator) throws {
        guard checkpoint.step <= settings.steps else {
            throw TrainingError.resumeMismatch("\(path) is at step \(checkpoint.step), past the run's \(settings.steps) steps")
        }
        for (name, member) in optimizers.members {
            guard let state = checkpoint.optimizers[name] else {
                throw TrainingError.resumeMismatch("\(path) has no state for optimizer group '\(name)' (found: "
                                                   + checkpoint.optimizers.keys.sorted().joined(separator: ", ") + ")")
            }
            member.optimizer.importState(state)
        }
        if let ema {
            guard !checkpoint.ema.isEmpty else {
                throw TrainingError.resumeMismatch("\(path) holds no EMA weights, but the run keeps an EMA")
            }
            ema.importState(checkpoint.ema)
        }
        guard let words = checkpoint.rngState else {
            throw TrainingError.resumeMismatch("\(path) holds no trainer state (/rng/trainer); it cannot be resumed")
        }
        rng = RandomGenerator(stateWords: words)
        if let batcherStep = checkpoint.batcherStep, batcherStep != checkpoint.step {
            throw TrainingError.resumeMismatch("\(path): batcher at \(batcherStep) but step \(checkpoint.step)")
        }
    }

    // MARK: - Evaluation

    private func evaluate(step: Int, ema: EMA?, final: Bool) throws {
        // Data-parallel: the ranks share the sampling (batch i on rank i % N) and each gets rank 0's result;
        // only rank 0 has a run folder, a log and a reporter to write it to.
        guard let test else { return }
        let raw = parameters.map { $0.1.value }
        ema?.apply(to: parameters)
        defer { for ((_, p), v) in zip(parameters, raw) { p.value = v } }
        // Periodic evaluations look at a few clips in one batch; the final one at every test clip (or
        // `finalEvalClips`), in batches of at most 8 clips.
        let clips = final ? settings.finalEvalClips : settings.evalClips
        let evaluation = EvaluationSettings(clips: clips, samples: settings.evalSamples, seed: 0,
                                            batchSize: final ? Swift.min(8, clips ?? 8) : settings.evalClips)
        let (result, strip) = try Evaluator.evaluate(model, preset: preset, step: step, test: test.source,
                                                     startFrame: test.startFrame, pixelReduction: pixelReduction,
                                                     data: settings.data, settings: evaluation,
                                                     stripClips: run == nil ? 0 : settings.evalClips,
                                                     share: distributed?.evaluationShare)
        var stripPath: String?
        if let run, let strip {
            let path = run.samples + "/" + String(format: "step-%06d.png", step)
            try strip.write(to: path)
            stripPath = path
        }
        let values = result.metrics.map { ("eval/" + $0.name, $0.mean) }
        try csv?.log(step: step, elapsed: Date().timeIntervalSince(clock), values)
        if final { lastEvaluation = result }
        reporter.report(.evalEnd(step: step, metrics: result.metrics.map { ($0.name, $0.mean) }, samples: stripPath))
    }
}

/// Copies a file through a temporary file in the destination's folder, flushed, then renamed.
func copyAtomically(from source: String, to destination: String) throws {
    let data: Data
    do { data = try Data(contentsOf: URL(fileURLWithPath: source)) } catch {
        throw CheckpointError.writeFailed(file: destination, reason: "cannot read \(source)")
    }
    let temporary = destination + ".tmp-\(getpid())"
    guard FileManager.default.createFile(atPath: temporary, contents: nil),
          let handle = FileHandle(forWritingAtPath: temporary) else {
        throw CheckpointError.writeFailed(file: destination, reason: errnoText())
    }
    do {
        try handle.write(contentsOf: data)
        try handle.synchronize()
        try handle.close()
    } catch {
        unlink(temporary)
        throw CheckpointError.writeFailed(file: destination, reason: "\(error)")
    }
    guard rename(temporary, destination) == 0 else {
        unlink(temporary)
        throw CheckpointError.writeFailed(file: destination, reason: errnoText())
    }
}
