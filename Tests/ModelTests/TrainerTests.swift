// The trainer: exact resume, NaN handling, stopping, checkpoint cadence, the run folder, and a model
// without parameters.
import Baselines
import Foundation
import Testing
import ZooCore

/// A stop request issued from inside the run, after `step` steps (what Ctrl-C does from outside).
private final class StopAfter: TrainingReporter {
    let flag: StopFlag
    let step: Int
    init(_ flag: StopFlag, step: Int) {
        self.flag = flag
        self.step = step
    }
    func report(_ event: TrainingEvent) {
        if case .stepEnd(let s) = event, s.step == step { flag.set() }
    }
}

private func jitter(_ preset: String = "tiny") throws -> any VideoPredictor {
    var rng = RandomGenerator(seed: 1)
    return try JitterModel.entry.make(preset, &rng)
}

private let jitterData = testSequences(JitterConfig().contract, count: 6, frames: 8, seed: 2)

@Suite struct TrainerTests {
    /// N steps in one run equal K steps, a resume from the checkpoint, and N − K more: the losses, the
    /// weights, the EMA and the optimizer state are identical (the model draws noise from the trainer's
    /// generator, keeps an EMA and a step schedule, so each piece of state has to come back).
    @Test func resumeContinuesExactlyWithRandomStateEMAAndSchedule() throws {
        try withFixedBLASThreads { try resumeWithState() }
    }

    private func resumeWithState() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let n = 7, k = 4
        let straight = try jitter(), reportA = CollectingReporter()
        let a = try Trainer(model: straight, preset: "tiny", settings: shortSettings(straight, steps: n, checkpointEvery: 2),
                            train: jitterData, run: RunDirectory(path: folder.file("a")), reporter: reportA).run()
        #expect(a.outcome == .finished && a.step == n)

        let first = try jitter()
        _ = try Trainer(model: first, preset: "tiny", settings: shortSettings(first, steps: k, checkpointEvery: 2),
                        train: jitterData, run: RunDirectory(path: folder.file("b"))).run()
        let checkpoint = try Checkpoint.read(from: folder.file("b/last.h5"))
        #expect(checkpoint.step == k && checkpoint.batcherStep == k && checkpoint.rngState != nil)
        #expect(!checkpoint.ema.isEmpty && checkpoint.optimizers["model"]?.stepCount == k)
        let resumed = try JitterModel.entry.load(checkpoint.configJSON, &RandomGeneratorBox(seed: 42).rng)
        let reportB = CollectingReporter()
        let b = try Trainer(model: resumed, preset: "tiny", settings: shortSettings(resumed, steps: n, checkpointEvery: 2),
                            train: jitterData, run: RunDirectory(path: folder.file("b")), reporter: reportB)
            .run(resumeFrom: checkpoint, checkpointPath: folder.file("b/last.h5"))
        #expect(b.step == n)
        #expect(reportB.stepLosses == Array(reportA.stepLosses.suffix(n - k)))
        let endA = try Checkpoint.read(from: folder.file("a/last.h5"))
        let endB = try Checkpoint.read(from: folder.file("b/last.h5"))
        for (name, value) in endA.parameters { #expect(identical(value, endB.parameters[name]!), "weight \(name)") }
        for (name, value) in endA.ema { #expect(identical(value, endB.ema[name]!), "EMA \(name)") }
        let slotsA = endA.optimizers["model"]!, slotsB = endB.optimizers["model"]!
        #expect(slotsA.stepCount == slotsB.stepCount && slotsA.learningRate == slotsB.learningRate)
        for (name, slots) in slotsA.slots {
            for (slot, value) in slots { #expect(identical(value, slotsB.slots[name]![slot]!), "\(name)/\(slot)") }
        }
        #expect(endA.rngState == endB.rngState)
        // metrics.csv holds the same losses, each step once.
        let rowsA = try CSVLog.read(path: folder.file("a/metrics.csv")).filter { $0.name == "loss" }
        let rowsB = try CSVLog.read(path: folder.file("b/metrics.csv")).filter { $0.name == "loss" }
        #expect(rowsA.map(\.step) == Array(1...n) && rowsB.map(\.step) == Array(1...n))
        #expect(rowsA.map(\.value) == rowsB.map(\.value))
    }

    /// The loss is reported NaN at step 3 (the weights stay finite): the loss check stops the run.
    @Test func nanLossStopsAndKeepsTheLastGoodCheckpoint() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let model = try jitter("nan")                                          // step 3's loss is NaN
        let run = RunDirectory(path: folder.file("run"))
        let trainer = Trainer(model: model, preset: "nan", settings: shortSettings(model, steps: 6, checkpointEvery: 2),
                              train: jitterData, run: run)
        #expect(throws: TrainingError.nonFinite(step: 3, what: "loss loss", lastGoodCheckpoint: run.checkpoint(step: 2))) {
            _ = try trainer.run()
        }
        let last = try Checkpoint.read(from: run.lastCheckpoint)
        #expect(last.step == 2)
        #expect(last.parameters.values.allSatisfy { $0.isFinite })
        #expect(run.stepCheckpoints().map(\.step) == [2])
        let message = TrainingError.nonFinite(step: 3, what: "loss loss", lastGoodCheckpoint: run.checkpoint(step: 2)).description
        #expect(message.contains("NaN") && message.contains("step-000002.h5"))
    }

    /// Step 4's update makes the weights NaN while its loss (taken before the update) is finite, and step 4
    /// is a checkpoint step: the trainer's parameter check refuses to save them and names the parameter.
    @Test func nanWeightsAreRefusedAtSaveTime() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let model = try jitter("nan-weights")
        let run = RunDirectory(path: folder.file("run"))
        let reporter = CollectingReporter()
        let trainer = Trainer(model: model, preset: "nan-weights",
                              settings: shortSettings(model, steps: 6, checkpointEvery: 2), train: jitterData, run: run,
                              reporter: reporter)
        let error = #expect(throws: TrainingError.self) { _ = try trainer.run() }
        guard case let .nonFinite(step, what, lastGood)? = error else {
            Issue.record("expected TrainingError.nonFinite, got \(String(describing: error))")
            return
        }
        #expect(step == 4 && lastGood == run.checkpoint(step: 2))
        #expect(what.hasPrefix("parameter conv."), "\(what)")
        // The loss of step 4 was finite, so this was the parameter check, not the loss check.
        #expect(reporter.stepLosses.count == 4 && reporter.stepLosses.allSatisfy { $0.allFinite })
        // The weights really are NaN, and nothing of them reached the disk.
        #expect(model.namedParameters().contains { !$0.1.value.isFinite })
        #expect(run.stepCheckpoints().map(\.step) == [2])
        let last = try Checkpoint.read(from: run.lastCheckpoint)
        #expect(last.step == 2 && last.parameters.values.allSatisfy { $0.isFinite })
    }

    @Test func stopRequestSavesAndResumeFinishesTheRun() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let model = try jitter()
        let run = RunDirectory(path: folder.file("run"))
        let stop = StopFlag()
        let summary = try Trainer(model: model, preset: "tiny", settings: shortSettings(model, steps: 6, checkpointEvery: 4),
                                  train: jitterData, run: run, reporter: StopAfter(stop, step: 3), stop: stop).run()
        #expect(summary.outcome == .interrupted && summary.step == 3)
        let saved = try Checkpoint.read(from: run.lastCheckpoint)
        #expect(saved.step == 3 && summary.checkpoint == run.checkpoint(step: 3))
        let resumed = try JitterModel.entry.load(saved.configJSON, &RandomGeneratorBox(seed: 0).rng)
        let end = try Trainer(model: resumed, preset: "tiny", settings: shortSettings(resumed, steps: 6, checkpointEvery: 4),
                              train: jitterData, run: run).run(resumeFrom: saved, checkpointPath: run.lastCheckpoint)
        #expect(end.outcome == .finished && end.step == 6)
        #expect(try Checkpoint.read(from: run.lastCheckpoint).step == 6)
    }

    /// A real SIGINT sent to the process (as Ctrl-C is) reaches the flag. (Sent with kill, not raise:
    /// the test runs on a Dispatch worker thread, which blocks asynchronous signals.)
    @Test func sigintSetsTheStopFlag() async throws {
        let flag = StopFlag()
        let handler = InterruptHandler(flag: flag)
        kill(getpid(), SIGINT)
        for _ in 0..<200 where !flag.isSet { try await Task.sleep(nanoseconds: 10_000_000) }
        #expect(flag.isSet)
        // Restore the default action only once the signal was handled (a still-pending SIGINT would
        // otherwise end the test process).
        if flag.isSet { handler.cancel() }
    }

    @Test func interruptedCheckpointWriteLeavesThePreviousOneLoadable() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let model = try jitter()
        let run = RunDirectory(path: folder.file("run"))
        let trainer = Trainer(model: model, preset: "tiny", settings: shortSettings(model, steps: 6, checkpointEvery: 2),
                              train: jitterData, run: run)
        var writes = 0
        trainer.checkpointWriteHook = { count in
            if count == 1 { writes += 1 }
            if writes == 2 && count == 2 { throw CocoaError(.fileWriteOutOfSpace) }   // the second save fails midway
        }
        #expect(throws: CheckpointError.self) { _ = try trainer.run() }
        let last = try Checkpoint.read(from: run.lastCheckpoint)
        #expect(last.step == 2)
        #expect(run.stepCheckpoints().map(\.step) == [2])
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: run.path).filter { $0.contains(".tmp") }
        #expect(leftovers.isEmpty, "temporary files left: \(leftovers)")
    }

    @Test func runFolderHoldsCommandConfigMetricsCheckpointsAndSampleStrips() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let model = try jitter()
        let run = RunDirectory(path: folder.file("run"))
        var settings = shortSettings(model, steps: 4, checkpointEvery: 1)
        settings.evalEvery = 2
        settings.evalClips = 2
        settings.evalSamples = 2
        settings.keepCheckpoints = 2
        try run.prepare()
        try run.recordCommand(["zoo", "train", "jitter", "--out", "a folder"])
        try run.recordConfig(model: "jitter", preset: "tiny", configJSON: try model.configJSON(), settings: settings)
        let test = testSequences(model.contract, count: 3, frames: 5, seed: 9)
        let reporter = CollectingReporter()
        let summary = try Trainer(model: model, preset: "tiny", settings: settings, train: jitterData,
                                  test: (test, 0), run: run, reporter: reporter).run()
        #expect(try String(contentsOfFile: run.command, encoding: .utf8) == "zoo train jitter --out 'a folder'\n")
        let config = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: run.config))) as? [String: Any]
        #expect(config?["model"] as? String == "jitter" && config?["training"] != nil && config?["config"] != nil)
        #expect(run.stepCheckpoints().map(\.step) == [3, 4])                  // the newest two are kept
        #expect(try Checkpoint.read(from: run.lastCheckpoint).step == 4)
        #expect(FileManager.default.fileExists(atPath: run.samples + "/step-000002.png"))
        #expect(FileManager.default.fileExists(atPath: run.samples + "/step-000004.png"))
        let names = Set(try CSVLog.read(path: run.metrics).map(\.name))
        #expect(names.isSuperset(of: ["loss", "lr", "eval/crps", "eval/psnr", "eval/mse_mean"]))
        let evaluation = try #require(summary.evaluation)
        // Periodic evaluations use evalClips (2); the final one every test clip (3).
        #expect(evaluation.clips == 3 && evaluation.samples == 2 && evaluation["crps"] != nil)
        // The learning rate follows the model's step schedule (halved every 3 steps).
        let lrs = try CSVLog.read(path: run.metrics).filter { $0.name == "lr" }.map(\.value)
        #expect(lrs == [1e-2, 1e-2, 1e-2, 5e-3])
    }

    @Test func modelWithoutParametersSavesAndEvaluatesWithoutTraining() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let model = CopyLast(config: .tiny)
        let run = RunDirectory(path: folder.file("run"))
        var settings = TrainingSettings(defaults: model.trainingDefaults, seed: 0, data: "test")
        settings.steps = 5
        let reporter = CollectingReporter()
        let test = testSequences(model.contract, count: 3, frames: 5, seed: 9)
        let summary = try Trainer(model: model, preset: "tiny", settings: settings, train: jitterData, test: (test, 0),
                                  run: run, reporter: reporter).run()
        #expect(summary.outcome == .finished && summary.step == 0 && summary.losses.names.isEmpty)
        #expect(try Checkpoint.read(from: run.lastCheckpoint).parameters.isEmpty)
        #expect(summary.evaluation?.clips == 3)
        #expect(reporter.events.contains { if case .message(let m) = $0 { return m.contains("no trainable") }; return false })
    }
}

/// A generator in a box, so a fresh one can be passed `inout` in an expression.
final class RandomGeneratorBox {
    var rng: RandomGenerator
    init(seed: UInt64) { rng = RandomGenerator(seed: seed) }
}
