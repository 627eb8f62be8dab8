// Judging OpenBLAS's kernel against the CPU: is it the fastest one the CPU can run, and can the CPU run it?

/// OpenBLAS 0.3.x kernel families grouped by the instruction set they need.
import ZooTensor

public enum OpenBLASKernelTier: Int, Codable, Sendable, Comparable {
    /// SSE-era kernels (Prescott, Core2, Nehalem, Barcelona, ...): 4-7x slower on an AVX2 or AVX-512 CPU.
    case sse = 0
    /// AVX kernels (Sandybridge, Bulldozer family).
    case avx = 1
    /// AVX2 + FMA kernels (Haswell, Zen).
    case avx2 = 2
    /// AVX-512 kernels (SkylakeX, Cooperlake, SapphireRapids).
    case avx512 = 3

    public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }

    /// The tier of an OpenBLAS kernel name (as `openblas_get_corename` or OPENBLAS_CORETYPE spell it),
    /// or nil for names zoo does not know.
    public init?(kernel: String) {
        switch kernel.lowercased() {
        case "skylakex", "cooperlake", "sapphirerapids": self = .avx512
        case "haswell", "zen": self = .avx2
        case "sandybridge", "bulldozer", "piledriver", "steamroller", "excavator": self = .avx
        case "katmai", "coppermine", "northwood", "prescott", "banias", "atom", "core2", "penryn",
             "dunnington", "nehalem", "athlon", "opteron", "opteron_sse3", "barcelona", "nano", "bobcat":
            self = .sse
        default: return nil
        }
    }

    /// CPU features (cpuid names as `BLAS.cpuFeatures` lists them) a kernel of this tier executes.
    public var requiredFeatures: [String] {
        switch self {
        case .sse: return []
        case .avx: return ["avx"]
        case .avx2: return ["avx", "avx2", "fma"]
        case .avx512: return ["avx2", "fma", "avx512f", "avx512dq", "avx512cd", "avx512bw", "avx512vl"]
        }
    }

    /// The best tier a CPU with `features` can run.
    public static func best(for features: [String]) -> OpenBLASKernelTier {
        let have = Set(features)
        for tier in [Self.avx512, .avx2, .avx] where Set(tier.requiredFeatures).isSubset(of: have) {
            return tier
        }
        return .sse
    }
}

/// The doctor's judgement of the kernel choice.
public struct KernelVerdict: Codable, Sendable, Equatable {
    /// How serious: "ok", "warning" (slow but correct) or "error" (may crash or cannot run).
    public var level: String
    /// One sentence for people.
    public var message: String

    /// Judges `blas` (nil when OpenBLAS failed to load) on a CPU with `features`.
    public static func judge(_ blas: OpenBLASInfo?, features: [String]) -> KernelVerdict {
        guard let blas else {
            return KernelVerdict(level: "error", message: "OpenBLAS could not be loaded; install libopenblas-dev")
        }
        let best = OpenBLASKernelTier.best(for: features)
        let have = Set(features)
        // A forced value naming a kernel the CPU lacks instructions for crashes with SIGILL at the first call.
        if !blas.coreType.isEmpty, let forced = OpenBLASKernelTier(kernel: blas.coreType) {
            let missing = forced.requiredFeatures.filter { !have.contains($0) }
            if !missing.isEmpty {
                return KernelVerdict(level: "error", message:
                    "OPENBLAS_CORETYPE=\(blas.coreType) (set by \(blas.coreTypeSource == "user" ? "the user" : "zoo")) needs "
                    + "\(missing.joined(separator: ", ")), which this CPU lacks: unset it")
            }
        }
        guard let tier = OpenBLASKernelTier(kernel: blas.kernel) else {
            return KernelVerdict(level: "warning", message:
                "unknown OpenBLAS kernel \"\(blas.kernel)\"; zoo recommends \(blas.recommendedKernel)")
        }
        if tier < best {
            let hint = blas.coreTypeSource == "user"
                ? "OPENBLAS_CORETYPE=\(blas.coreType) was set by the user; unset it to let zoo choose "
                    + "\(blas.recommendedKernel)"
                : "expected \(blas.recommendedKernel.isEmpty ? "a faster kernel" : blas.recommendedKernel)"
            return KernelVerdict(level: "warning", message:
                "OpenBLAS runs the \(blas.kernel) kernel but this CPU supports \(best) kernels "
                + "(expect several times slower matrix products); \(hint)")
        }
        let origin = blas.coreTypeSource == "user" ? " (OPENBLAS_CORETYPE set by the user)" : ""
        return KernelVerdict(level: "ok", message:
            "OpenBLAS runs the \(blas.kernel) kernel, the fastest family (\(best)) this CPU supports\(origin)")
    }
}
