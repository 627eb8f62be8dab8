// The benchmark harness and table: medians, units, joining PyTorch's rows, and the output formats.
import Foundation
import Testing
import ZooCore
@testable import ZooCLI

@Test func medianOfOddAndEvenCounts() {
    #expect(Benchmark.median([3, 1, 2]) == 2)
    #expect(Benchmark.median([4, 1, 3, 2]) == 2.5)
}

@Test func measureRunsWarmupAndRepetitions() {
    var calls = 0
    let row = BenchmarkRow(id: "count") { { calls += 1 } }
    let result = Benchmark.measure(row, options: BenchmarkOptions(warmup: 2, repetitions: 4, minimumRepetitions: 4,
                                                                   secondsPerRow: 100))
    #expect(calls == 6 && result.samples.count == 4)
    #expect(result.id == "count" && result.unit == .milliseconds && result.value == result.milliseconds)
}

@Test func gflopsFromMedianTime() {
    let result = BenchmarkResult(id: "sgemm", unit: .gflops, milliseconds: 20, samples: [20], flop: 2e9)
    #expect(abs(result.value - 100) < 1e-9)
}

@Test func comparisonRowsJoinPyTorchTimes() throws {
    let json = #"{"torch": "2.x", "threads": 2, "rows": [{"id": "sgemm n=1024 2T", "ms": 40, "samples": [40]},"#
        + #"{"id": "conv fwd", "ms": 10, "samples": [9, 10, 11]}], "missing": ["other"]}"#
    let torch = try JSONDecoder().decode(TorchBenchmarkOutput.self, from: Data(json.utf8))
    #expect(torch.missing == ["other"])
    let rate = ComparisonRow(BenchmarkResult(id: "sgemm n=1024 2T", unit: .gflops, milliseconds: 20, samples: [20],
                                             flop: 2e9), torch: torch.rows[0])
    #expect(abs(rate.ours - 100) < 1e-9 && abs((rate.torch ?? 0) - 50) < 1e-9)
    #expect(abs((rate.ratio ?? 0) - 0.5) < 1e-12)  // zoo takes half PyTorch's time
    let time = ComparisonRow(BenchmarkResult(id: "conv fwd", unit: .milliseconds, milliseconds: 15, samples: [15]),
                             torch: torch.rows[1])
    #expect(time.ratio == 1.5)
    let alone = ComparisonRow(BenchmarkResult(id: "x", unit: .milliseconds, milliseconds: 1, samples: [1]), torch: nil)
    #expect(alone.ratio == nil && alone.torch == nil)

    let header = BenchTable.Header(kernel: "Zen", threads: 2, cpu: "AMD EPYC", cores: 2, torchVersion: "2.x",
                                   warmup: 1, repetitions: 3)
    let markdown = BenchTable.markdown([rate, time, alone], header: header)
    #expect(markdown.contains("| sgemm n=1024 2T | 100.0 GFLOP/s | 50.0 GFLOP/s | 0.50 |"))
    #expect(markdown.contains("| conv fwd | 15.00 ms | 10.00 ms | 1.50 |"))
    #expect(markdown.contains("| x | 1.000 ms | - | - |"))
    let text = BenchTable.text([rate, time], header: header).split(separator: "\n")
    #expect(text.count == 6 && text[1].hasPrefix("row") && text[5].hasPrefix("ratio ="))
    let decoded = try JSONSerialization.jsonObject(with: Data(BenchTable.json([rate, alone], header: header).utf8))
    let rows = try #require((decoded as? [String: Any])?["rows"] as? [[String: Any]])
    #expect(rows.count == 2 && rows[0]["ratio"] as? Double == 0.5 && rows[1]["ratio"] == nil)
}

@Test func rowIdsMatchThePyTorchScript() throws {
    // Every zoo row must have its twin in Tools/bench/bench_torch.py, or the comparison silently loses it:
    // each id matches one of the script's id templates, and the script really contains that template.
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    let script = try String(contentsOf: root.appendingPathComponent("Tools/bench/bench_torch.py"), encoding: .utf8)
    let templates: [(pattern: String, snippet: String)] = [
        (#"^sgemm n=(1024|2048|4096) [12]T$"#, #"f"sgemm n={n} {threads}T""#),
        (#"^conv3x3 (48ch 64x64|96ch 32x32|192ch 16x16|384ch 8x8) b8 fwd(\+bwd)?$"#,
         #"f"conv3x3 {channels}ch {size}x{size} b{BATCH}""#),
        (#"^groupnorm8\+leakyrelu 8x48x64x64 fwd(\+bwd)?$"#, #""groupnorm8+leakyrelu 8x48x64x64""#),
        (#"^convgru 48ch 64x64 b8 fwd(\+bwd)?$"#, #"f"convgru {ch}ch {size}x{size} b{BATCH}""#),
    ]
    for snippet in [#"CONV_SHAPES = [(48, 64), (96, 32), (192, 16), (384, 8)]"#, "BATCH = 8", "ch, size = 48, 64",
                    #"f"{name} fwd""#, #"f"{name} fwd+bwd""#, "(1024, 2048, 4096)", "for t in (2, 1)"] {
        #expect(script.contains(snippet), "bench_torch.py lacks \(snippet)")
    }
    let ids = Benchmark.rows(quick: false).map(\.id)
    #expect(ids.count == 18)
    for id in ids {
        let matching = templates.filter { id.wholeMatch(of: try! Regex($0.pattern)) != nil }
        #expect(matching.count == 1, "no PyTorch template for \(id)")
        for template in matching { #expect(script.contains(template.snippet), "\(template.snippet)") }
    }
}
