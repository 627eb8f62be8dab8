// The worked example of README.md's "Adding a predictor": the document shows exactly the compiled file, and
// the model trains through the trainer and evaluates like any registered model. (The conformance suite
// runs on it too: it is part of `registryUnderTest`.)
import Baselines
import Foundation
import Testing
import ZooCore

private let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

@Suite struct ExampleTests {
    @Test func theDocumentShowsTheCompiledExampleVerbatim() throws {
        let doc = try String(contentsOf: root.appendingPathComponent("README.md"), encoding: .utf8)
        let source = try String(contentsOf: root.appendingPathComponent("Tests/ModelTests/Example/TwoFramePredictor.swift"),
                                encoding: .utf8)
        let blocks = doc.components(separatedBy: "```swift\n").dropFirst().map { $0.components(separatedBy: "```")[0] }
        #expect(blocks.contains(source), "README.md must contain TwoFramePredictor.swift verbatim")
        #expect(doc.contains("TwoFramePredictor.entry,"), "the README shows the registry line")
        #expect(doc.contains("\n## Adding a predictor\n"), "the README has an \"Adding a predictor\" section")
    }

    @Test func theExampleTrainsAFewStepsAndEvaluates() throws {
        try withFixedBLASThreads { try trainAndEvaluate() }
    }

    private func trainAndEvaluate() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let registry = ModelRegistry([CopyLast.entry, TwoFramePredictor.entry])
        let entry = try registry.entry(named: "two-frame")
        var rng = RandomGenerator(seed: 0)
        let model = try entry.make("tiny", &rng)
        var settings = shortSettings(model, steps: 8, checkpointEvery: 4)
        settings.batchSize = 4
        settings.evalClips = 3
        settings.evalSamples = 1
        let train = testSequences(model.contract, count: 8, frames: 8, seed: 1)
        let test = testSequences(model.contract, count: 3, frames: 5, seed: 2)
        let reporter = CollectingReporter()
        let summary = try Trainer(model: model, preset: "tiny", settings: settings, train: train, test: (test, 0),
                                  run: RunDirectory(path: folder.file("run")), reporter: reporter).run()
        #expect(summary.outcome == .finished && summary.step == 8)
        let losses = reporter.stepLosses.compactMap { $0["mse"] }
        #expect(losses.count == 8 && losses.allSatisfy(\.isFinite))
        #expect(losses.suffix(2).reduce(0, +) < losses.prefix(2).reduce(0, +), "the example learns: \(losses)")
        let stored = try Checkpoint.read(from: folder.file("run/last.h5"))
        let reloaded = try registry.model(from: stored, file: folder.file("run/last.h5"))
        let (result, _) = try Evaluator.evaluate(reloaded, preset: "tiny", step: stored.step, test: test, startFrame: 0,
                                                 data: "test", settings: EvaluationSettings(samples: 1))
        #expect(result.clips == 3 && result["crps"] != nil)
        #expect(result.metrics == summary.evaluation?.metrics, "reloaded weights evaluate the same")
    }
}
