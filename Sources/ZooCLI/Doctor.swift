// `zoo doctor`: which OpenBLAS kernel runs and why, library versions, the CPU, and a quick sgemm check.
import ArgumentParser
import Foundation
import ZooCore

/// Everything `zoo doctor` reports, in the shape `--json` prints.
public struct DoctorReport: Codable, Equatable {
    /// Machine and library facts.
    public var system: SystemInfo
    /// sgemm GFLOP/s at n = `sgemmProbeSize` with the default thread count (nil when skipped).
    public var sgemmProbeGFLOPS: Double?
    /// Matrix size of the probe.
    public var sgemmProbeSize: Int
    /// Whether the kernel choice is right for this CPU.
    public var verdict: KernelVerdict
    /// Single-precision FMA peak of this CPU on the probe's thread count, measured with a register-only
    /// loop (nil when skipped).
    public var fmaPeakGFLOPS: Double?
    /// The vector unit that loop used ("avx512f", "avx2+fma", ...).
    public var fmaISA: String
    /// Which code runs convolutions (oneDNN or im2col + sgemm, and why).
    public var convolution: String
    /// The implementations oneDNN chose for a probe convolution (forward, input grad, weight grad), or nil
    /// without oneDNN (or without the probe). Shown also when ZOO_CONV leaves convolutions on im2col.
    public var convolutionImplementations: String?
    /// Whether `zoo train --distributed` can run: "Open MPI v4.1.4 (path)" or why not (MPI is opened at run
    /// time; without it zoo runs single-process).
    public var mpi: String
    /// Whether Open MPI could be loaded.
    public var mpiAvailable: Bool

    /// Gathers the report; `probe` runs the ~1 s checks: sgemm (skipped when OpenBLAS is unusable), the FMA
    /// peak and oneDNN's probe convolution.
    public static func gather(probe: Bool) -> DoctorReport {
        let system = SystemInfo.current()
        let verdict = KernelVerdict.judge(system.openBLAS, features: system.cpu.features)
        let rate = probe && verdict.level != "error" ? BLAS.probeGFLOPS(n: sgemmProbeSize, seconds: 0.5) : nil
        let threads = rate == nil ? 1 : BLAS.threadCount
        let peak = probe ? FMAPeak.gflops(threads: threads) : nil
        return DoctorReport(system: system, sgemmProbeGFLOPS: rate, sgemmProbeSize: sgemmProbeSize, verdict: verdict,
                            fmaPeakGFLOPS: peak, fmaISA: FMAPeak.isa,
                            convolution: ConvBackend.summary,
                            convolutionImplementations: probe ? ConvBackend.probeImplementations() : nil,
                            mpi: DataParallel.status, mpiAvailable: DataParallel.isAvailable)
    }

    /// The probe's matrix size (n x n x n, on the sgemm thread count).
    public static let sgemmProbeSize = 2048

    /// sgemm's probe rate as a fraction of the measured FMA peak (nil unless both were measured).
    public var sgemmFractionOfPeak: Double? {
        guard let rate = sgemmProbeGFLOPS, let peak = fmaPeakGFLOPS, peak > 0 else { return nil }
        return rate / peak
    }

    /// The report as sorted, indented JSON.
    public func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }

    /// The report as aligned `label  value` lines, ending with the verdict.
    public func text() -> String {
        var lines: [(String, String)] = []
        if let blas = system.openBLAS {
            let origin: String
            switch blas.coreTypeSource {
            case "user": origin = "\(blas.coreType) (set by the user before zoo started)"
            case "zoo": origin = "\(blas.coreType) (chosen by zoo from cpuid)"
            default: origin = "unset (OpenBLAS detected the CPU itself)"
            }
            lines += [("OpenBLAS library", blas.library), ("OpenBLAS kernel", blas.kernel),
                      ("OpenBLAS config", blas.config), ("sgemm threads", "\(blas.threads) (zoo splits C's rows; OpenBLAS itself runs 1)"),
                      ("OPENBLAS_CORETYPE", origin),
                      ("recommended kernel", blas.recommendedKernel.isEmpty ? "(none: OpenBLAS default)"
                                                                            : blas.recommendedKernel)]
        } else {
            lines.append(("OpenBLAS", "NOT LOADED: \(system.openBLASError ?? "unknown error")"))
        }
        let cpu = system.cpu
        lines += [("CPU", [cpu.vendor, cpu.model].filter { !$0.isEmpty }.joined(separator: ", ")),
                  ("SIMD features", cpu.features.isEmpty ? "(none of avx/fma/avx2/avx512)" : cpu.features.joined(separator: " ")),
                  ("threads", Parallel.coreCount == Parallel.availableProcessors
                      ? "\(cpu.cores) (every available processor; ZOO_THREADS=N uses fewer)"
                      : "\(cpu.cores) of \(Parallel.availableProcessors) available (ZOO_THREADS)"),
                  ("memory", String(format: "%.1f GiB", system.memoryGiB)),
                  ("malloc", system.mallocTuning),
                  ("HDF5", system.hdf5Version), ("libpng", system.libpngVersion),
                  ("Swift", system.swiftVersion), ("OS", system.operatingSystem)]
        if let rate = sgemmProbeGFLOPS {
            let threads = system.openBLAS?.threads ?? 1
            lines.append(("sgemm probe", String(format: "%.1f GFLOP/s (n=%d, %d thread%@)", rate,
                                                sgemmProbeSize, threads, threads == 1 ? "" : "s")))
        }
        if let peak = fmaPeakGFLOPS {
            let threads = system.openBLAS?.threads ?? 1
            var text = String(format: "%.1f GFLOP/s (%@ register-only loop, %d thread%@)", peak, fmaISA, threads,
                              threads == 1 ? "" : "s")
            if let fraction = sgemmFractionOfPeak { text += String(format: "; sgemm probe = %.0f%% of it", fraction * 100) }
            lines.append(("FMA peak", text))
        }
        lines.append(("convolution", convolution))
        if let impl = convolutionImplementations { lines.append(("oneDNN kernels", impl)) }
        lines.append(("MPI", mpiAvailable ? "\(mpi); zoo train --distributed runs under mpirun"
                                          : "\(mpi); zoo trains single-process only"))
        let width = lines.map(\.0.count).max() ?? 0
        var out = lines.map { $0.0.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + $0.1 }
        out.append("verdict: \(verdict.level): \(verdict.message)")
        return out.joined(separator: "\n")
    }
}

extension Zoo {
    /// Prints the OpenBLAS kernel and how it was chosen, library versions, and the CPU features behind it.
    struct Doctor: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show the OpenBLAS kernel, library versions and CPU features, with a quick sgemm check.",
            discussion: """
                Exits with status 1 when OpenBLAS cannot be loaded or the forced kernel cannot run on this \
                CPU; a slow-kernel warning keeps status 0.
                """)

        @Flag(help: "Print the report as JSON.")
        var json = false

        @Flag(name: .customLong("no-probe"), help: "Skip the ~1 s speed checks (sgemm, FMA peak, oneDNN probe convolution).")
        var noProbe = false

        @Flag(name: .customLong("trap-shape-mismatch"), help: ArgumentHelp(
            "Multiply a [2, 3] by a [4, 5] matrix, which must stop the program with a message naming the shapes "
                + "(shows that this build keeps ZooCore's checks).", visibility: .hidden))
        var trapShapeMismatch = false

        func run() throws {
            if trapShapeMismatch {
                let product = matmul(Tensor.zeros([2, 3]), Tensor.zeros([4, 5]))
                throw ZooError("the shape check did not stop a [2, 3] x [4, 5] product (got \(product.shape))")
            }
            let report = DoctorReport.gather(probe: !noProbe)
            print(json ? try report.json() : report.text())
            if report.system.openBLAS == nil {
                throw ZooError("OpenBLAS could not be loaded. Install it with: "
                               + "sudo apt-get update && sudo apt-get install -y libopenblas-dev")
            }
            if report.verdict.level == "error" { throw ExitCode(1) }
        }
    }
}
