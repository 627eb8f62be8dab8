// The benchmark harness and table: medians, units, joining PyTorch's rows, and the output formats.
import Foundation
import Testing
import ZooCore
@testable import ZooBench
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
    // The lines bench_torch.py --serve prints: a header, then one per row.
    let header = try JSONDecoder().decode(TorchHeader.self, from: Data(#"{"torch": "2.x", "blas": "MKL", "threads": 2}"#.utf8))
    #expect(header.torch == "2.x" && header.blas == "MKL" && header.threads == 2)
    let sgemm = try JSONDecoder().decode(TorchRow.self, from: Data(#"{"id": "sgemm n=1024 2T", "ms": 40, "samples": [40]}"#.utf8))
    let unknown = try JSONDecoder().decode(TorchRow.self, from: Data(#"{"id": "other", "missing": true}"#.utf8))
    #expect(sgemm.ms == 40 && sgemm.missing == nil && unknown.missing == true && unknown.ms == nil)

    let rate = ComparisonRow(BenchmarkResult(id: "sgemm n=1024 2T", unit: .gflops, milliseconds: 20, samples: [20],
                                             flop: 2e9), torchMilliseconds: sgemm.ms)
    #expect(abs(rate.ours - 100) < 1e-9 && abs((rate.torch ?? 0) - 50) < 1e-9)
    #expect(abs((rate.ratio ?? 0) - 0.5) < 1e-12)  // zoo takes half PyTorch's time
    let time = ComparisonRow(BenchmarkResult(id: "conv fwd", unit: .milliseconds, milliseconds: 15, samples: [15]),
                             torchMilliseconds: 10)
    #expect(time.ratio == 1.5)
    let alone = ComparisonRow(BenchmarkResult(id: "x", unit: .milliseconds, milliseconds: 1, samples: [1]),
                              torchMilliseconds: unknown.ms)
    #expect(alone.ratio == nil && alone.torch == nil)

    let table = BenchTable.Header(kernel: "Zen", threads: 2, cpu: "AMD EPYC", cores: 2, torchVersion: "2.x",
                                  warmup: 1, repetitions: 3)
    let markdown = BenchTable.markdown([rate, time, alone], header: table)
    #expect(markdown.contains("| sgemm n=1024 2T | 100.0 GFLOP/s | 50.0 GFLOP/s | 0.50 |"))
    #expect(markdown.contains("| conv fwd | 15.00 ms | 10.00 ms | 1.50 |"))
    #expect(markdown.contains("| x | 1.000 ms | - | - |"))
    let text = BenchTable.text([rate, time], header: table).split(separator: "\n")
    #expect(text.count == 6 && text[1].hasPrefix("row") && text[5].hasPrefix("ratio ="))
    let decoded = try JSONSerialization.jsonObject(with: Data(BenchTable.json([rate, alone], header: table).utf8))
    let rows = try #require((decoded as? [String: Any])?["rows"] as? [[String: Any]])
    #expect(rows.count == 2 && rows[0]["ratio"] as? Double == 0.5 && rows[1]["ratio"] == nil)
}

@Test func roundsJoinAllRunsAndKeepEachRoundsRatio() throws {
    // Two rounds: zoo ran 10, 12 then 20, 20 ms; PyTorch 10, 10 then 40, 40 ms.
    let ours = [BenchmarkResult(id: "conv fwd", unit: .milliseconds, milliseconds: 11, samples: [10, 12]),
                BenchmarkResult(id: "conv fwd", unit: .milliseconds, milliseconds: 20, samples: [20, 20])]
    let theirs = [TorchRow(id: "conv fwd", ms: 10, samples: [10, 10], missing: nil),
                  TorchRow(id: "conv fwd", ms: 40, samples: [40, 40], missing: nil)]
    let row = ComparisonRow(rounds: ours, torch: theirs)
    #expect(row.oursMilliseconds == 16)  // median of 10, 12, 20, 20
    #expect(row.torchMilliseconds == 25)  // median of 10, 10, 40, 40
    #expect(row.ratio == 16.0 / 25.0)
    #expect(row.roundRatios == [1.1, 0.5])
    let header = BenchTable.Header(kernel: "Zen", threads: 2, cpu: "AMD EPYC", cores: 2, torchVersion: "2.x",
                                   warmup: 1, repetitions: 2, rounds: 2)
    let markdown = BenchTable.markdown([row], header: header)
    #expect(markdown.contains("| row | zoo | PyTorch | ratio | round ratios |"))
    #expect(markdown.contains("| conv fwd | 16.00 ms | 25.00 ms | 0.64 | 0.50-1.10 |"))
    #expect(markdown.contains("in each of 2 rounds"))
    // One round: the row is the round itself, and the table keeps its four columns.
    let single = ComparisonRow(rounds: [ours[0]], torch: [theirs[0]])
    #expect(single.oursMilliseconds == 11 && single.torchMilliseconds == 10 && single.roundRatios == nil)
    #expect(!BenchTable.markdown([single], header: header).contains("round ratios"))
    // Without PyTorch.
    let alone = ComparisonRow(rounds: ours, torch: [])
    #expect(alone.torchMilliseconds == nil && alone.ratio == nil && alone.roundRatios == nil)
    // The option.
    let parsed = try #require(try ZooBenchCommand.parseAsRoot(["--rounds", "3", "--filter", "conv"]) as? ZooBenchCommand)
    #expect(parsed.rounds == 3)
    #expect(throws: (any Error).self) { try ZooBenchCommand.parseAsRoot(["--rounds", "0"]) }
    // Model rows alternate zoo and PyTorch processes per round too.
    let model = try #require(try ZooBenchCommand.parseAsRoot(["--model", "rvd", "--rounds", "2"]) as? ZooBenchCommand)
    #expect(model.rounds == 2)
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

/// Writes a shell script standing in for bench_torch.py --serve and returns its path.
private func fakeTorchScript(_ body: String) throws -> String {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("fake-torch-\(UUID().uuidString).sh").path
    try body.write(toFile: path, atomically: true, encoding: .utf8)
    return path
}

@Test func torchSessionSpeaksTheServeProtocol() throws {
    let script = try fakeTorchScript(#"""
        echo '{"torch": "fake", "threads": 2}'
        while read -r id; do
          if [ "$id" = "conv fwd" ]; then echo '{"id": "conv fwd", "ms": 5, "samples": [4, 5, 6]}'
          else echo "{\"id\": \"$id\", \"missing\": true}"; fi
        done
        """#)
    defer { try? FileManager.default.removeItem(atPath: script) }
    let session = try TorchSession(python: "/bin/bash", script: script, options: .quick)
    #expect(session.header.torch == "fake")
    let row = try session.measure("conv fwd")
    #expect(row.ms == 5 && row.samples == [4, 5, 6])
    #expect(try session.measure("no such row").missing == true)
    session.finish()
}

@Test func torchSessionReportsAScriptThatDies() throws {
    let script = try fakeTorchScript("echo 'import torch failed' >&2; exit 3\n")
    defer { try? FileManager.default.removeItem(atPath: script) }
    #expect(throws: ZooError.self) { _ = try TorchSession(python: "/bin/bash", script: script, options: .quick) }
    let half = try fakeTorchScript("echo '{\"torch\": \"fake\", \"threads\": 2}'; read -r id; exit 4\n")
    defer { try? FileManager.default.removeItem(atPath: half) }
    let session = try TorchSession(python: "/bin/bash", script: half, options: .quick)
    #expect(throws: ZooError.self) { _ = try session.measure("conv fwd") }
}
