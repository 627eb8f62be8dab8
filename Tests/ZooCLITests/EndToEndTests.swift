// End to end, in a temporary folder on a small generated store: train → eval → sample → compare, the
// bad-input paths (nothing existing is damaged), and Ctrl-C on the real executable.
import ArgumentParser
import Foundation
import Testing
@testable import ZooCLI
@testable import ZooCore

/// A temporary folder with a small 16x16 gray `shapes` store (8 training sequences of 8 frames, 4 test
/// clips of 5 frames: the tiny presets' 2 context + 3 predicted).
private struct Workspace {
    let path: String
    let store: String

    init(channels: Int = 1) throws {
        path = NSTemporaryDirectory() + "zoo-e2e-\(getpid())-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        store = path + "/shapes.h5"
        var settings = MovingShapes.Settings()
        settings.size = 16
        settings.channels = channels
        settings.radius = 3...5
        settings.speed = 1...2
        try MovingShapes.writeStore(path: store, settings: settings, trainCount: 8, trainFrames: 8, testCount: 4,
                                    testFrames: 5, seed: 1)
    }

    func file(_ name: String) -> String { path + "/" + name }
    func remove() { try? FileManager.default.removeItem(atPath: path) }
    func exists(_ name: String) -> Bool { FileManager.default.fileExists(atPath: file(name)) }
}

/// Parses `arguments` as the root command would and runs the subcommand, collecting its stdout lines.
@discardableResult
private func zoo(_ arguments: [String]) throws -> String {
    let command = try Zoo.parseAsRoot(arguments)
    let sink = ResultSink.collecting()
    switch command {
    case let c as Zoo.Train: try c.execute(sink, arguments: ["zoo"] + arguments)
    case let c as Zoo.Eval: try c.execute(sink)
    case let c as Zoo.Sample: try c.execute(sink)
    case let c as Zoo.Compare: try c.execute(sink)
    case let c as Zoo.Info: try c.execute(sink)
    case let c as Zoo.List: try c.execute(sink)
    default: Issue.record("unexpected command \(type(of: command))")
    }
    return sink.text
}

/// The error message `zoo` would print for the failure of `arguments`, or nil when it succeeds.
private func failure(_ arguments: [String]) -> String? {
    do {
        try zoo(arguments)
        return nil
    } catch {
        return Zoo.message(for: error)
    }
}

private func bytes(_ path: String) -> Data? { FileManager.default.contents(atPath: path) }

@Suite(.serialized) struct EndToEnd {
    /// (The evaluations compared below must be bit-equal; sgemm results do not depend on threads, see
    /// BLAS.swift.)
    @Test func trainEvalSampleCompare() throws {
        try trainEvalSampleCompareBody()
    }

    private func trainEvalSampleCompareBody() throws {
        let w = try Workspace()
        defer { w.remove() }
        let run = w.file("run")
        let train = ["train", "convgru", "--preset", "tiny", "--data", w.store, "--out", run, "--quiet"]
        let text = try zoo(train + ["--steps", "6", "--checkpoint-every", "3", "--eval-every", "3"])
        #expect(text.contains("convgru (tiny): finished at step 6/6") && text.contains("CRPS"))
        for name in ["command.txt", "config.json", "metrics.csv", "step-000003.h5", "step-000006.h5", "last.h5",
                     "samples/step-000003.png", "samples/step-000006.png"] {
            #expect(w.exists("run/" + name), "missing run/\(name)")
        }
        #expect(try String(contentsOfFile: run + "/command.txt", encoding: .utf8).hasPrefix("zoo train convgru"))

        // A second run into the same folder is refused; --resume extends it.
        let before = bytes(run + "/last.h5")
        #expect(failure(train + ["--steps", "8"])?.contains("already holds a run") == true)
        #expect(bytes(run + "/last.h5") == before)
        #expect(try zoo(train + ["--steps", "8", "--resume"]).contains("finished at step 8/8"))
        #expect(try Checkpoint.read(from: run + "/last.h5").step == 8)
        let losses = try CSVLog.read(path: run + "/metrics.csv").filter { $0.name == "mse" }.map(\.step)
        #expect(losses == Array(1...8))

        // eval: the config travels in the checkpoint.
        let json = try zoo(["eval", "--checkpoint", run + "/last.h5", "--data", w.store, "--samples", "2", "--json",
                            "--quiet", "--strip", w.file("strip.png")])
        let result = try JSONDecoder().decode(EvaluationResult.self, from: Data(json.utf8))
        #expect(result.model == "convgru" && result.step == 8 && result.clips == 4 && result.samples == 2)
        #expect(result.predictedFrames == 3)
        // An 8-step convgru is far from perfect on moving shapes: CRPS on the byte scale is positive, below the
        // RMSE of its samples (CRPS ≤ MAE ≤ RMSE) and well below 255.
        let crps = try #require(result["crps"]), mse = try #require(result["mse"])
        #expect(crps.mean > 0.5 && crps.mean <= mse.mean.squareRoot() && crps.mean < 128, "CRPS \(crps.mean), MSE \(mse.mean)")
        #expect(crps.perFrame.count == 3 && crps.perFrame.allSatisfy { $0 > 0 })
        #expect(result["psnr"]?.perFrame.count == 3 && w.exists("strip.png"))
        // Without --data, the run's own data is used.
        let again = try zoo(["eval", "--checkpoint", run + "/last.h5", "--samples", "2", "--json", "--quiet"])
        #expect(try JSONDecoder().decode(EvaluationResult.self, from: Data(again.utf8)) .metrics == result.metrics)

        // sample: from the store's test clip and from a folder of PNG frames.
        let out = try zoo(["sample", "--checkpoint", run + "/last.h5", "--context", w.store, "--frames", "4",
                           "--samples", "2", "--out", w.file("s1"), "--quiet"])
        #expect(out.contains("2 sample(s) of 4 frames"))
        for name in ["s1/sample-00/frame-000.png", "s1/sample-01/frame-003.png", "s1/strip.png", "s1/animation.png"] {
            #expect(w.exists(name), "missing \(name)")
        }
        let animation = try #require(bytes(w.file("s1/animation.png")))
        #expect(try AnimatedPNG.frameCount(animation) == 2 + 4)
        #expect(try PNGImage.decode(animation).width == 2 * (4 * 16 + 2) + 2)    // its first frame, for plain viewers
        try FileManager.default.createDirectory(atPath: w.file("ctx"), withIntermediateDirectories: true)
        for t in 0..<3 {
            try PNGImage(width: 16, height: 16, channels: 3, pixels: [UInt8](repeating: UInt8(40 * t), count: 768))
                .write(to: w.file("ctx/f\(t).png"))
        }
        try zoo(["sample", "--checkpoint", run + "/last.h5", "--context", w.file("ctx"), "--samples", "1",
                 "--out", w.file("s2"), "--quiet"])
        #expect(w.exists("s2/sample-00/frame-002.png"))

        // compare: trains what has no run (within --steps), reuses given runs, one table.
        let table = try zoo(["compare", "--models", "convgru:tiny,copy-last:tiny", "--data", w.store, "--steps", "3",
                             "--samples", "2", "--out", w.file("cmp"), "--quiet"])
        #expect(table.contains("| convgru") && table.contains("| copy-last") && table.contains("CRPS"))
        #expect(try Checkpoint.read(from: w.file("cmp/convgru-tiny/last.h5")).step == 3)
        let markdown = try String(contentsOfFile: w.file("cmp/compare.md"), encoding: .utf8)
        #expect(markdown.contains("4 test clips x 2 samples"))
        let reused = try zoo(["compare", "--runs", run, "--models", "copy-last:tiny", "--data", w.store, "--samples", "2",
                              "--out", w.file("cmp"), "--quiet", "--json"])
        struct Rows: Decodable { struct Row: Decodable { var model: String; var steps: Int; var run: String }; var rows: [Row] }
        let rows = try JSONDecoder().decode(Rows.self, from: Data(reused.utf8)).rows
        #expect(rows.map(\.model) == ["convgru", "copy-last"] && rows.map(\.steps) == [8, 0] && rows[0].run == run)
    }

    @Test func badInputGivesClearErrorsAndDamagesNothing() throws {
        let w = try Workspace()
        defer { w.remove() }
        let run = w.file("run")
        try zoo(["train", "convgru", "--preset", "tiny", "--data", w.store, "--out", run, "--steps", "2", "--quiet"])
        let good = try #require(bytes(run + "/last.h5"))

        // An output folder that cannot be made (a file sits on its path).
        try Data().write(to: URL(fileURLWithPath: w.file("afile")))
        let unwritable = failure(["train", "convgru", "--preset", "tiny", "--data", w.store, "--out", w.file("afile/run"),
                                  "--quiet"])
        #expect(unwritable?.contains(w.file("afile/run")) == true, "\(unwritable ?? "no error")")

        // A missing, a corrupt and a foreign checkpoint.
        #expect(failure(["eval", "--checkpoint", w.file("none.h5")])?.contains("no such file") == true)
        try good.prefix(good.count / 3).write(to: URL(fileURLWithPath: w.file("cut.h5")))
        let corrupt = failure(["eval", "--checkpoint", w.file("cut.h5"), "--data", w.store, "--quiet"])
        #expect(corrupt?.contains(w.file("cut.h5")) == true && corrupt?.contains("not a readable zoo checkpoint") == true)
        let foreign = failure(["eval", "--checkpoint", w.store, "--quiet"])
        #expect(foreign?.contains("format") == true, "\(foreign ?? "no error")")

        // --resume of a run that holds another model: refused, nothing written.
        let resumeOther = failure(["train", "copy-last", "--preset", "tiny", "--data", w.store, "--out", run, "--resume",
                                   "--quiet"])
        #expect(resumeOther?.contains("holds model 'convgru', not 'copy-last'") == true, "\(resumeOther ?? "")")
        let resumeLr = failure(["train", "convgru", "--data", w.store, "--out", run, "--resume", "--lr", "0.5", "--quiet"])
        #expect(resumeLr?.contains("--lr") == true)
        #expect(bytes(run + "/last.h5") == good)

        // Data that does not fit the contract: RGB frames for a gray model; a context of the wrong size.
        let rgb = try Workspace(channels: 3)
        defer { rgb.remove() }
        let mismatch = failure(["train", "convgru", "--preset", "tiny", "--data", rgb.store, "--out", w.file("run2"),
                                "--quiet"])
        #expect(mismatch?.contains(rgb.store) == true && mismatch?.contains("channel") == true, "\(mismatch ?? "")")
        try PNGImage(width: 8, height: 8, channels: 1, pixels: [UInt8](repeating: 0, count: 64)).write(to: w.file("small.png"))
        let size = failure(["sample", "--checkpoint", run + "/last.h5", "--context", w.file("small.png"), "--out",
                            w.file("s"), "--quiet"])
        #expect(size?.contains("small.png") == true, "\(size ?? "")")
        #expect(failure(["eval", "--checkpoint", run + "/last.h5", "--data", rgb.store, "--quiet"])?.contains("channel") == true)
        #expect(bytes(run + "/last.h5") == good)
    }

    /// `--minutes`: a run of a million steps stops at the time limit (0.6 s) with a checkpoint at the step it
    /// reached, and says so.
    @Test func minutesStopsTheRunAtTheTimeLimitWithACheckpoint() throws {
        let w = try Workspace()
        defer { w.remove() }
        let run = w.file("run")
        let start = Date()
        let text = try zoo(["train", "convgru", "--preset", "tiny", "--data", w.store, "--out", run, "--steps", "1000000",
                            "--minutes", "0.01", "--quiet"])
        let seconds = Date().timeIntervalSince(start)
        #expect(seconds < 30, "the run took \(seconds) s")
        let saved = try Checkpoint.read(from: run + "/last.h5")
        #expect(saved.step >= 1 && saved.step < 1_000_000)
        #expect(text.contains("convgru (tiny): time limit at step \(saved.step)/1000000"), "\(text)")
        let logged = try CSVLog.read(path: run + "/metrics.csv").filter { $0.name == "mse" }.map(\.step)
        #expect(logged == Array(1...saved.step))
    }

    /// Ctrl-C on the real executable: the run saves, exits with 130, and `--resume` finishes it.
    @Test func ctrlCSavesAndResumeFinishes() throws {
        let executable = builtZooExecutable
        try #require(FileManager.default.isExecutableFile(atPath: executable.path),
                     "\(executable.path) is missing: build it with swift build --build-tests")
        let w = try Workspace()
        defer { w.remove() }
        let run = w.file("run")
        let process = Process()
        process.executableURL = executable
        process.arguments = ["train", "convgru", "--preset", "tiny", "--data", w.store, "--out", run, "--steps", "100000",
                             "--checkpoint-every", "100000"]
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = Pipe()
        try process.run()
        // Wait until a few steps are logged, then interrupt.
        var steps = 0
        for _ in 0..<600 where steps < 3 {
            Thread.sleep(forTimeInterval: 0.05)
            steps = (try? CSVLog.read(path: run + "/metrics.csv").count) ?? 0
        }
        kill(process.processIdentifier, SIGINT)
        for _ in 0..<600 where process.isRunning { Thread.sleep(forTimeInterval: 0.05) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            Issue.record("zoo train did not stop within 30 s of SIGINT")
        }
        process.waitUntilExit()
        let stderr = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(process.terminationStatus == 130, "\(stderr)")
        #expect(stderr.contains("interrupted at step") && stderr.contains("--resume"))
        let saved = try Checkpoint.read(from: run + "/last.h5")
        #expect(saved.step >= 3)
        let text = try zoo(["train", "convgru", "--out", run, "--resume", "--steps", "\(saved.step + 2)", "--quiet"])
        #expect(text.contains("finished at step \(saved.step + 2)"))
    }
}
