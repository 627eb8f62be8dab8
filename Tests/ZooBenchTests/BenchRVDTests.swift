// `zoo bench --model rvd`: rows, options, the worker, the child-process protocol and the table.
import Foundation
import RVD
import Testing
import ZooCore
@testable import ZooBench
@testable import ZooCLI

@Test func rvdBenchRowsAndOptions() throws {
    let all = RVDBenchRow.all()
    #expect(all.map(\.id) == ["rvd bair64 train b8x8", "rvd bair64 train b1x8", "rvd bair64 denoiser b1",
                              "rvd cpu train b8x8"])
    #expect(all[3].config == RVDConfig.cpu && all[0].config == RVDConfig.bair64)
    let bench = try #require(try ZooBenchCommand.parseAsRoot(["--model", "rvd", "--filter", "bair64", "--warmup", "0", "--repetitions", "1",
        "--torch", "/opt/venv/bin/python", "--reference", "/tmp/rvd-ref",
    ]) as? ZooBenchCommand)
    let rows = bench.selectedModelRows(filter: bench.filter)
    #expect(rows.count == 3 && rows.allSatisfy { $0.warmup == 0 && $0.repetitions == 1 })
    #expect(bench.reference == "/tmp/rvd-ref")
    let quick = try #require(try ZooBenchCommand.parseAsRoot(["--model", "rvd", "--quick"]) as? ZooBenchCommand)
    #expect(quick.selectedModelRows(filter: nil).allSatisfy { $0.warmup == 1 && $0.repetitions == 2 })
}

@Test(arguments: [
    ["--model", "gan"],
    ["--model", "rvd", "--filter", "no-such-row"],
    ["--model", "rvd", "--torch", "python3"],          // no --reference
    ["--reference", "/tmp/rvd-ref"],                   // --reference without --model rvd
    ["--model", "rvd", "--worker", "no such row"],
])
func rvdBenchRejects(_ arguments: [String]) {
    #expect(throws: (any Error).self) { _ = try ZooBenchCommand.parseAsRoot(arguments) }
}

@Test func rvdBenchTorchConfigIsReadByTheScript() throws {
    // The config zoo sends is the preset's, and every field of it is one bench_rvd_torch.py reads.
    let row = try #require(RVDBenchRow.all().first { $0.preset == "cpu" })
    let json = try row.torchConfigJSON()
    let fields = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
    #expect(fields["dim"] as? Int == RVDConfig.cpu.dim)
    #expect(fields["dim_mults"] as? [Int] == RVDConfig.cpu.dimMults)
    #expect(fields["transform_dim_mults"] as? [Int] == RVDConfig.cpu.transformDimMults)
    #expect(fields["channels"] as? Int == 1 && fields["height"] as? Int == 32)
    #expect(fields["objective"] as? String == (RVDConfig.cpu.objective == .x0 ? "pred_true" : "noise"))
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    let script = try String(contentsOf: root.appendingPathComponent("Tools/bench/bench_rvd_torch.py"), encoding: .utf8)
    for key in fields.keys { #expect(script.contains("config[\"\(key)\"]"), "bench_rvd_torch.py does not read \(key)") }
    let arguments = try row.torchArguments(script: "s.py", reference: "/ref")
    #expect(arguments.starts(with: ["s.py", "--ref", "/ref", "--config", json, "--work", "train", "--batch", "8"]))
    #expect(arguments.suffix(2) == ["--frames", "8"])
}

@Test func rvdBenchWorkerTimesTinyRows() {
    for work in [RVDBenchRow.Work.train, .denoise] {
        let row = RVDBenchRow(preset: "tiny", config: .tiny, work: work, batch: 2, frames: 4, warmup: 1, repetitions: 2)
        let sample = RVDBenchWorker.measure(row)
        var rng = RandomGenerator(seed: 0)
        #expect(sample.parameters == RVD(config: .tiny, rng: &rng).parameterCount)
        #expect(sample.samples_ms.count == 2 && sample.samples_ms.allSatisfy { $0 > 0 })
        // The peak (getrusage's ru_maxrss) is at least the resident size at the start (/proc/self/statm), up
        // to the kernel's lazily summed RSS counters: the two are read from different approximations, and
        // with zoo's malloc settings (no trimming) a test process's current RSS sits at its peak, so the
        // two can differ by a few hundred KB either way.
        #expect(sample.baseline_rss_mb > 0 && sample.peak_rss_mb >= sample.baseline_rss_mb - 4,
                "peak \(sample.peak_rss_mb) MB, baseline \(sample.baseline_rss_mb) MB")
    }
}

@Test func rvdBenchChildProtocolAndTable() throws {
    let line = #"{"ms": 30, "samples_ms": [30, 31], "peak_rss_mb": 2048, "baseline_rss_mb": 200, "parameters": 5, "torch": "fake", "threads": 2}"#
    let torch = try RVDBenchRun.runChild("/bin/sh", ["-c", "echo progress; echo '\(line)'"], what: "fake")
    #expect(torch.ms == 30 && torch.torch == "fake" && torch.peak_rss_mb == 2048)
    #expect(throws: ZooError.self) { _ = try RVDBenchRun.runChild("/bin/sh", ["-c", "exit 3"], what: "fake") }
    #expect(throws: ZooError.self) { _ = try RVDBenchRun.runChild("/bin/sh", ["-c", "echo oops"], what: "fake") }

    let ours = RVDBenchSample(ms: 1500, samples_ms: [1500], peak_rss_mb: 512, baseline_rss_mb: 20, parameters: 5)
    let row = RVDComparison(id: "rvd x train b8x8", zoo: ours, torch: torch)
    #expect(row.timeRatio == 50 && row.memoryRatio == 0.25)
    let markdown = RVDBenchRun.markdown([row, RVDComparison(id: "alone", zoo: ours, torch: nil)], header: "h")
    #expect(markdown.contains("| rvd x train b8x8 | 1.50 s | 30.0 ms | 50.00 | 512 MB | 2.00 GB | 0.25 |"))
    #expect(markdown.contains("| alone | 1.50 s | - | - | 512 MB | - | - |"))
    let text = RVDBenchRun.text([row], header: "h").split(separator: "\n")
    #expect(text.count == 5 && text[1].hasPrefix("row"))
    let decoded = try JSONSerialization.jsonObject(with: Data(BenchTable.json([row], header: "h").utf8))
    let rows = try #require((decoded as? [String: Any])?["rows"] as? [[String: Any]])
    #expect(rows.count == 1 && rows[0]["timeRatio"] as? Double == 50 && rows[0]["memoryRatio"] as? Double == 0.25)
}
