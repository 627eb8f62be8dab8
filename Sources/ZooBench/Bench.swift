// `zoo-bench` (also `zoo bench`): times ZooCore's hot paths and, optionally, the same rows in PyTorch, in
// one run; `--model NAME` times a model family against its reference code (Models/).
import ArgumentParser
import Foundation
import ZooCLI
import ZooCore

/// Benchmarks sgemm, conv3x3, GroupNorm + LeakyReLU and a ConvGRU step, optionally against PyTorch.
public struct ZooBenchCommand: ParsableCommand {
        public static let configuration = CommandConfiguration(
            commandName: "zoo-bench",
            abstract: "Time sgemm, conv3x3, GroupNorm+LeakyReLU and a ConvGRU step (optionally against PyTorch).",
            discussion: """
                Measure release builds only: swift build -c release && .build/release/zoo-bench (or zoo bench). Each row is \
                the median of timed runs after warm-up. With --torch PYTHON the same rows run in PyTorch \
                (Tools/bench/bench_torch.py, 2 threads), each right after zoo's run of it, and the table shows the ratio \
                zoo time / PyTorch time (below 1: zoo is faster).

                --model NAME times a model family instead (rvd, svg-lp, ivrnn, retrogan, dvd-gan, futuregan: \
                training steps at the reference-architecture preset and at cpu; rvd also its denoiser) and each \
                row's peak memory, every row in a fresh zoo process and, with --torch PYTHON --reference DIR, \
                then in a fresh process of the reference PyTorch code (Tools/bench/bench_<model>_torch.py; DIR \
                is the extracted official repository of that model).
                """)

        @Option(help: ArgumentHelp("Benchmark a model family instead of the kernels (rvd, svg-lp, ivrnn, retrogan, dvd-gan, futuregan).",
                                   valueName: "name"))
        var model: String?

        @Option(help: ArgumentHelp("With --model NAME --torch: the extracted reference repository of that model "
                                   + "(rvd: github.com/buggyyang/RVD, svg-lp: github.com/edenton/svg, ivrnn: "
                                   + "github.com/facebookresearch/improved_vrnn, retrogan: "
                                   + "github.com/SaulZhang/Video_Prediction_ZOO, dvd-gan: github.com/Harrypotterrrr/DVD-GAN, "
                                   + "futuregan: github.com/TUM-LMF/FutureGAN).", valueName: "dir"))
        var reference: String?

        @Option(help: ArgumentHelp("Time this one model row in this process and print it as JSON.", visibility: .private))
        var worker: String?

        @Flag(help: "Short run: 1 warm-up and 3 timed runs per row (--model: 2), no n=4096 sgemm.")
        var quick = false

        @Option(name: [.customLong("torch"), .customLong("compare")],
                help: ArgumentHelp("Also run the rows in PyTorch with this Python (e.g. ~/venv/bin/python).",
                                   valueName: "python"))
        var python: String?

        @Option(name: .customLong("torch-script"),
                help: "The PyTorch script (default: Tools/bench/bench_torch.py; --model: the family's script there).")
        var torchScript: String?

        @Option(help: ArgumentHelp("Only rows whose name contains this text (e.g. conv, sgemm).", valueName: "text"))
        var filter: String?

        @Option(help: "Untimed warm-up runs per row (default 2, quick 1).")
        var warmup: Int?

        @Option(help: "Timed runs per row, at most (default 10, quick 3).")
        var repetitions: Int?

        @Option(help: ArgumentHelp("""
            Measure each row this many times, alternating zoo and PyTorch (default 1). The table shows the \
            medians of all rounds' runs and the range of the per-round ratios.
            """, valueName: "n"))
        var rounds: Int = 1

        @Option(help: ArgumentHelp("Also write the table as Markdown to this file.", valueName: "file"))
        var markdown: String?

        @Flag(help: "Print the results as JSON instead of a table.")
        var json = false

        public func validate() throws {
            if let warmup, warmup < 0 { throw ValidationError("--warmup must be 0 or more, got \(warmup)") }
            if let repetitions, repetitions < 1 {
                throw ValidationError("--repetitions must be at least 1, got \(repetitions)")
            }
            if rounds < 1 { throw ValidationError("--rounds must be at least 1, got \(rounds)") }
            if let model {
                let family: any ModelBenchmark
                do { family = try ModelBenchmarks.named(model) } catch { throw ValidationError("\(error)") }
                let all = family.rows(quick: false)
                if let filter, try selectedModelRows(family, filter: filter).isEmpty {
                    throw ValidationError("no \(model) benchmark row matches \"\(filter)\"; rows: "
                                          + all.map(\.id).joined(separator: ", "))
                }
                if let worker, !all.contains(where: { $0.id == worker }) {
                    throw ValidationError("no \(model) benchmark row is named \"\(worker)\"; rows: "
                                          + all.map(\.id).joined(separator: ", "))
                }
                if python != nil, worker == nil, reference == nil {
                    throw ValidationError("--model \(model) --torch needs --reference DIR, the reference code: "
                                          + "git -C <clone of \(family.referenceRepository)> archive HEAD | tar -x -C DIR")
                }
            } else if worker != nil || reference != nil {
                throw ValidationError("--worker and --reference go with --model NAME")
            } else if let filter, selectedRows(filter: filter).isEmpty {
                let names = Benchmark.rows(quick: quick).map(\.id).joined(separator: ", ")
                throw ValidationError("no benchmark row matches \"\(filter)\"; rows: \(names)")
            }
        }

        func selectedRows(filter: String?) -> [BenchmarkRow] {
            let rows = Benchmark.rows(quick: quick)
            guard let filter, !filter.isEmpty else { return rows }
            return rows.filter { $0.id.localizedCaseInsensitiveContains(filter) }
        }

        /// The rows of `family` that match `filter`, with --warmup and --repetitions applied.
        func selectedModelRows(_ family: any ModelBenchmark, filter: String?) throws -> [ModelBenchRow] {
            family.rows(quick: quick).filter { row in
                guard let filter, !filter.isEmpty else { return true }
                return row.id.localizedCaseInsensitiveContains(filter)
            }.map { row in
                var row = row
                if let warmup { row.warmup = warmup }
                if let repetitions { row.repetitions = repetitions }
                return row
            }
        }

        var options: BenchmarkOptions {
            var options: BenchmarkOptions = quick ? .quick : .standard
            if let warmup { options.warmup = warmup }
            if let repetitions {
                options.repetitions = repetitions
                options.minimumRepetitions = min(options.minimumRepetitions, repetitions)
            }
            return options
        }

        /// The 1-minute load average from /proc/loadavg.
        static func loadAverage() -> Double? {
            guard let text = try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8) else { return nil }
            return text.split(separator: " ").first.flatMap { Double($0) }
        }

        public func run() throws {
            #if DEBUG
            note("warning: this is a debug build; timings mean little (use swift build -c release)")
            #endif
            if let model, let worker {
                let family = try ModelBenchmarks.named(model)
                guard let row = try selectedModelRows(family, filter: nil).first(where: { $0.id == worker }) else {
                    throw ZooError("no \(model) benchmark row is named \"\(worker)\"")
                }
                return try ModelBenchWorker.run(row, of: family)
            }
            let system = SystemInfo.current()
            guard let blas = system.openBLAS else {
                throw ZooError("OpenBLAS could not be loaded (\(system.openBLASError ?? "")). Install it with: "
                               + "sudo apt-get update && sudo apt-get install -y libopenblas-dev")
            }
            if let model { return try runModelRows(try ModelBenchmarks.named(model), system: system, blas: blas) }
            let script = try python.map { _ in try TorchSession.locateScript(torchScript) }
            let rows = selectedRows(filter: filter)
            let options = self.options
            note("zoo bench: \(rows.count) rows, OpenBLAS \(blas.kernel) kernel, \(blas.threads) BLAS threads, "
                 + "\(system.cpu.cores) cores")
            if let load = Self.loadAverage(), load > 0.5 * Double(system.cpu.cores) {
                note(String(format: "warning: the machine is busy (load average %.2f); timings will be noisy", load))
            }
            // With PyTorch, each row runs in zoo and then at once in PyTorch, so both see the same conditions.
            let session = try python.map { python in
                note("starting the PyTorch benchmark (\(python))")
                return try TorchSession(python: python, script: script!, options: options)
            }
            defer { session?.finish() }
            var table: [ComparisonRow] = []
            var missing: [String] = []
            for (index, row) in rows.enumerated() {
                // Each round times the row in zoo and then at once in PyTorch, so both see the same conditions.
                var ours: [BenchmarkResult] = [], theirs: [TorchRow] = []
                for round in 0..<rounds {
                    if session != nil { Thread.sleep(forTimeInterval: 0.3) }  // PyTorch's threads stop spinning
                    let result = Benchmark.measure(row, options: options)
                    ours.append(result)
                    var line = "[\(index + 1)/\(rows.count)] \(row.id)"
                        + (rounds > 1 ? " (round \(round + 1)/\(rounds))" : "")
                        + ": zoo \(BenchTable.format(result.value, result.unit))"
                    if let session {
                        let answer = try session.measure(row.id)
                        if answer.missing == true {
                            missing.append(row.id)
                        } else {
                            theirs.append(answer)
                            let joined = ComparisonRow(result, torchMilliseconds: answer.ms)
                            if let torch = joined.torch { line += ", PyTorch \(BenchTable.format(torch, row.unit))" }
                        }
                    }
                    note(line)
                    if session != nil && theirs.isEmpty { break }  // PyTorch lacks the row: one round is enough
                }
                table.append(ComparisonRow(rounds: ours, torch: theirs))
            }
            if !missing.isEmpty {
                note("warning: the PyTorch script has no rows named \(missing.joined(separator: ", "))")
            }
            let torch = session?.header
            let header = BenchTable.Header(kernel: blas.kernel, threads: blas.threads, cpu: system.cpu.model,
                                           cores: system.cpu.cores,
                                           torchVersion: torch.map { t in t.blas.map { "\(t.torch), \($0)" } ?? t.torch },
                                           warmup: options.warmup, repetitions: options.repetitions, rounds: rounds)
            if json {
                print(try BenchTable.json(table, header: header))
            } else {
                print(BenchTable.text(table, header: header))
            }
            try writeMarkdown(BenchTable.markdown(table, header: header))
        }

        /// Writes `text` to the --markdown file, if one was given.
        func writeMarkdown(_ text: @autoclosure () -> String) throws {
            guard let markdown else { return }
            do {
                try text().write(toFile: markdown, atomically: true, encoding: .utf8)
            } catch {
                throw ZooError("cannot write \(markdown): \(error.localizedDescription)")
            }
            note("wrote \(markdown)")
        }

    public init() {}
}
