// `zoo bench --model NAME`: the families, their rows, the worker, the child-process protocol and the table.
import Foundation
import GANs
import IVRNN
import RVD
import SVGLP
import Testing
import ZooCore
@testable import ZooBench
@testable import ZooCLI

/// The repository root, from this file's path.
private let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

@Test func everyModelFamilyParsesAndHasRows() throws {
    #expect(ModelBenchmarks.names == ["rvd", "svg-lp", "ivrnn", "retrogan", "dvd-gan", "futuregan"])
    for name in ModelBenchmarks.names {
        let bench = try #require(try ZooBenchCommand.parseAsRoot(["--model", name, "--quick"]) as? ZooBenchCommand)
        #expect(bench.model == name)
        let family = try ModelBenchmarks.named(name)
        let rows = try bench.selectedModelRows(family, filter: nil)
        #expect(!rows.isEmpty && rows.allSatisfy { $0.family == name && $0.warmup == 1 && $0.repetitions == 2 })
        #expect(Set(rows.map(\.id)).count == rows.count, "\(name): row ids repeat")
        // Every family times its cpu preset; every row names a preset the family can build a config for.
        #expect(rows.contains { $0.preset == "cpu" }, "\(name) has no cpu row")
        for row in rows where row.torchMissing == nil {
            let arguments = try family.fullTorchArguments(row, script: "s.py", reference: "/ref")
            #expect(arguments.starts(with: ["s.py", "--ref", "/ref", "--preset", row.preset, "--work", row.work]))
        }
        // The family's script exists and reads every common argument, itself or through the shared helper.
        var script = try String(contentsOf: root.appendingPathComponent("Tools/bench/" + family.torchScript),
                                encoding: .utf8)
        if script.contains("from model_bench_common import main") {
            script = try String(contentsOf: root.appendingPathComponent("Tools/bench/model_bench_common.py"),
                                encoding: .utf8)
        }
        for option in ["--ref", "--preset", "--work", "--batch", "--frames", "--warmup", "--repeats", "--threads"] {
            #expect(script.contains("\"\(option)\""), "\(family.torchScript) does not read \(option)")
        }
    }
    let rows = try #require(try ZooBenchCommand.parseAsRoot(["--model", "svg-lp"]) as? ZooBenchCommand)
        .selectedModelRows(try ModelBenchmarks.named("svg-lp"), filter: "lstm")
    #expect(rows.map(\.id) == ["svg-lp bair64-lstm train b2x6"])
}

@Test func unknownModelListsTheKnownOnes() {
    do {
        _ = try ZooBenchCommand.parseAsRoot(["--model", "gan"])
        Issue.record("--model gan was accepted")
    } catch {
        let message = ZooBenchCommand.message(for: error)
        for name in ModelBenchmarks.names { #expect(message.contains(name), "\(message)") }
        #expect(message.contains("\"gan\""))
    }
}

@Test func rvdBenchRowsAndOptions() throws {
    let family = RVDBenchmark()
    let all = family.rows(quick: false)
    #expect(all.map(\.id) == ["rvd bair64 train b8x8", "rvd bair64 train b1x8", "rvd bair64 denoiser b1",
                              "rvd cpu train b8x8"])
    let bench = try #require(try ZooBenchCommand.parseAsRoot(["--model", "rvd", "--filter", "bair64", "--warmup", "0",
        "--repetitions", "1", "--torch", "/opt/venv/bin/python", "--reference", "/tmp/rvd-ref", "--rounds", "3",
    ]) as? ZooBenchCommand)
    let rows = try bench.selectedModelRows(family, filter: bench.filter)
    #expect(rows.count == 3 && rows.allSatisfy { $0.warmup == 0 && $0.repetitions == 1 })
    #expect(bench.reference == "/tmp/rvd-ref" && bench.rounds == 3)
}

@Test(arguments: [
    ["--model", "rvd", "--filter", "no-such-row"],
    ["--model", "svg-lp", "--torch", "python3"],          // no --reference
    ["--reference", "/tmp/rvd-ref"],                     // --reference without --model
    ["--model", "ivrnn", "--worker", "no such row"],
    ["--model", "retrogan", "--rounds", "0"],
])
func modelBenchRejects(_ arguments: [String]) {
    #expect(throws: (any Error).self) { _ = try ZooBenchCommand.parseAsRoot(arguments) }
}

@Test func rvdBenchTorchConfigIsReadByTheScript() throws {
    // The config zoo sends is the preset's, and every field of it is one bench_rvd_torch.py reads.
    let family = RVDBenchmark()
    let row = try #require(family.rows(quick: false).first { $0.preset == "cpu" })
    let json = try family.torchConfigJSON(row)
    let fields = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
    #expect(fields["dim"] as? Int == RVDConfig.cpu.dim)
    #expect(fields["dim_mults"] as? [Int] == RVDConfig.cpu.dimMults)
    #expect(fields["channels"] as? Int == 1 && fields["height"] as? Int == 32)
    let script = try String(contentsOf: root.appendingPathComponent("Tools/bench/bench_rvd_torch.py"), encoding: .utf8)
    for key in fields.keys { #expect(script.contains("config[\"\(key)\"]"), "bench_rvd_torch.py does not read \(key)") }
    let arguments = try family.fullTorchArguments(row, script: "s.py", reference: "/ref")
    #expect(arguments.suffix(2) == ["--config", json])
}

@Test func familiesSendTheirPresetConfigToTheScripts() throws {
    // Each --config is the preset's own config, and the fields the scripts read exist in it.
    let expectations: [(any ModelBenchmark, String, [String])] = [
        (SVGLPBenchmark(), "bair64", ["contract", "backbone", "recurrence", "width", "gDim", "zDim", "rnnSize",
                                      "predictorLayers", "posteriorLayers", "priorLayers", "beta", "learningRate"]),
        (IVRNNBenchmark(), "bair64-vrnn", ["contract", "hidden", "latentChannels", "learningRate", "weightDecay"]),
        (RetroGANBenchmark(), "reference64", ["contract", "learningRate"]),
        (DVDGANBenchmark(), "reference64", ["contract", "latentSize", "learningRate"]),
        (FutureGANBenchmark(), "mmnist64", ["contract", "generatorChannels", "criticChannels", "learningRate"]),
    ]
    for (family, preset, keys) in expectations {
        let row = try #require(family.rows(quick: true).first { $0.preset == preset })
        #expect(row.torchMissing == nil)
        let arguments = try family.torchArguments(row)
        let json = try #require(arguments.last)
        let fields = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        let script = try String(contentsOf: root.appendingPathComponent("Tools/bench/" + family.torchScript),
                                encoding: .utf8)
        for key in keys {
            #expect(fields[key] != nil, "\(family.name) \(preset): the config has no \(key)")
            #expect(script.contains("\"\(key)\""), "\(family.torchScript) does not read \(key)")
        }
    }
}

/// A tiny row of `family` at `preset`, timed in this process (the `--worker` path).
private func timeTinyRow(_ family: any ModelBenchmark, preset: String, batch: Int, frames: Int) throws -> ModelBenchSample {
    let row = ModelBenchRow(family: family.name, preset: preset, work: "train", batch: batch, frames: frames, warmup: 1,
                            repetitions: 2)
    let sample = try ModelBenchWorker.measure(row, of: family)
    #expect(sample.samples_ms.count == 2 && sample.samples_ms.allSatisfy { $0 > 0 })
    expectPeakCoversBaseline(sample)
    return sample
}

/// How far getrusage's ru_maxrss can lag /proc/self/statm for the same resident set, MB. Linux keeps each of
/// the four RSS counters (file, anon, swap entries, shmem) per CPU: statm adds up the per-CPU parts, while the
/// high-water mark behind ru_maxrss is taken from the shared total alone, which lags by less than one batch
/// (max(32, 2·CPUs) pages) per CPU and counter. With 2 CPUs and 4 KiB pages that is 1 MiB; a process growing
/// its heap on this machine saw statm ahead of ru_maxrss by up to 152 KB.
private func rssCounterLagMB() -> Double {
    let cpus = Double(sysconf(Int32(_SC_NPROCESSORS_CONF)))
    let pages = 4 * cpus * Swift.max(32, 2 * cpus)
    return pages * Double(sysconf(Int32(_SC_PAGESIZE))) / (1024 * 1024)
}

/// What a worker's sample measures, checked in this test process. `baseline_rss_mb` is statm's resident size
/// before the model was built; `peak_rss_mb` is ru_maxrss after the timed runs: the process's high-water mark.
/// Under `zoo bench` the worker is a fresh process, so the peak is the row's own; here it is the test process's,
/// which earlier tests may have set, so the row need not raise it. What holds in both: the high-water mark is
/// at least every resident size the process had, the baseline and the resident size after the row included,
/// up to the counters' lag. (A peak read as bytes or pages, or a baseline read from the wrong statm field, fails.)
private func expectPeakCoversBaseline(_ sample: ModelBenchSample) {
    let after = ModelBenchWorker.currentRSSMegabytes()
    let peakNow = ModelBenchWorker.peakRSSMegabytes()
    let lag = rssCounterLagMB()
    #expect(sample.baseline_rss_mb > 0 && sample.peak_rss_mb >= sample.baseline_rss_mb - lag,
            "peak \(sample.peak_rss_mb) MB, baseline \(sample.baseline_rss_mb) MB, counter lag \(lag) MB")
    #expect(peakNow >= after - lag, "ru_maxrss \(peakNow) MB below the resident size \(after) MB read just before")
    // The model's weights alone are resident while the row runs (4 bytes each).
    #expect(sample.peak_rss_mb >= Double(sample.parameters) * 4 / (1024 * 1024))
}

@Test func workersTimeTinyRowsOfEveryFamily() throws {
    var rng = RandomGenerator(seed: 0)
    let svg = try timeTinyRow(SVGLPBenchmark(), preset: "tiny", batch: 2, frames: SVGLPConfig.tiny.trainClipLength)
    #expect(svg.parameters == SVGLP(config: .tiny, rng: &rng).parameterCount)
    let ivrnn = try timeTinyRow(IVRNNBenchmark(), preset: "tiny", batch: 2, frames: IVRNNConfig.tiny.trainClipLength)
    #expect(ivrnn.parameters == IVRNN(config: .tiny, rng: &rng).parameterCount)
    let retro = try timeTinyRow(RetroGANBenchmark(), preset: "tiny", batch: 2, frames: RetroGANConfig.tiny.trainClipLength)
    #expect(retro.parameters == RetroGAN(config: .tiny, rng: &rng).parameterCount)
    let dvd = try timeTinyRow(DVDGANBenchmark(), preset: "tiny", batch: 2, frames: DVDGANConfig.tiny.contract.clipLength)
    #expect(dvd.parameters == DVDGAN(config: .tiny, rng: &rng).parameterCount)
    // FutureGAN is timed at its last stage: more parameters than the model has at stage 0.
    let future = try timeTinyRow(FutureGANBenchmark(), preset: "tiny", batch: 2,
                                 frames: FutureGANConfig.tiny.contract.clipLength)
    #expect(future.parameters > FutureGAN(config: .tiny, rng: &rng).parameterCount)
}

@Test func rvdWorkerTimesTinyRows() throws {
    for work in ["train", "denoise"] {
        let row = ModelBenchRow(family: "rvd", preset: "tiny", work: work, batch: 2, frames: 4, warmup: 1, repetitions: 2)
        let sample = try ModelBenchWorker.measure(row, of: RVDBenchmark())
        var rng = RandomGenerator(seed: 0)
        #expect(sample.parameters == RVD(config: .tiny, rng: &rng).parameterCount)
        #expect(sample.samples_ms.count == 2 && sample.samples_ms.allSatisfy { $0 > 0 })
        expectPeakCoversBaseline(sample)
    }
    let bad = ModelBenchRow(family: "rvd", preset: "nope", work: "train", batch: 1, frames: 2, warmup: 0, repetitions: 1)
    #expect(throws: ZooError.self) { _ = try ModelBenchWorker.measure(bad, of: RVDBenchmark()) }
}

@Test func modelBenchChildProtocolRoundsAndTable() throws {
    let line = #"{"ms": 30, "samples_ms": [30, 31], "peak_rss_mb": 2048, "baseline_rss_mb": 200, "parameters": 5, "torch": "fake", "threads": 2}"#
    let torch = try ModelBenchRun.runChild("/bin/sh", ["-c", "echo progress; echo '\(line)'"], what: "fake")
    #expect(torch.ms == 30 && torch.torch == "fake" && torch.peak_rss_mb == 2048)
    #expect(throws: ZooError.self) { _ = try ModelBenchRun.runChild("/bin/sh", ["-c", "exit 3"], what: "fake") }
    #expect(throws: ZooError.self) { _ = try ModelBenchRun.runChild("/bin/sh", ["-c", "echo oops"], what: "fake") }

    // Rounds: the median of every timed run, the largest peak.
    let a = ModelBenchSample(ms: 10, samples_ms: [9, 10, 11], peak_rss_mb: 100, baseline_rss_mb: 20, parameters: 5)
    let b = ModelBenchSample(ms: 20, samples_ms: [19, 20, 21], peak_rss_mb: 120, baseline_rss_mb: 21, parameters: 5)
    let merged = ModelBenchSample.merged([a, b])
    #expect(merged.samples_ms.count == 6 && merged.ms == 15 && merged.peak_rss_mb == 120 && merged.baseline_rss_mb == 20)

    let ours = ModelBenchSample(ms: 1500, samples_ms: [1500], peak_rss_mb: 512, baseline_rss_mb: 20, parameters: 5)
    let row = ModelComparison(id: "rvd x train b8x8", zoo: ours, torch: torch)
    #expect(row.timeRatio == 50 && row.memoryRatio == 0.25)
    let alone = ModelComparison(id: "alone", zoo: ours, torch: nil, torchMissing: "no such model there")
    let markdown = ModelBenchRun.markdown([row, alone], header: "h")
    #expect(markdown.contains("| rvd x train b8x8 | 1.50 s | 30.0 ms | 50.00 | 512 MB | 2.00 GB | 0.25 |"))
    #expect(markdown.contains("| alone | 1.50 s | - | - | 512 MB | - | - |"))
    #expect(markdown.contains("alone: no PyTorch run, no such model there"))
    let text = ModelBenchRun.text([row], header: "h").split(separator: "\n")
    #expect(text.count == 5 && text[1].hasPrefix("row"))
    let decoded = try JSONSerialization.jsonObject(with: Data(BenchTable.json([row], header: "h").utf8))
    let rows = try #require((decoded as? [String: Any])?["rows"] as? [[String: Any]])
    #expect(rows.count == 1 && rows[0]["timeRatio"] as? Double == 50 && rows[0]["memoryRatio"] as? Double == 0.25)
}
