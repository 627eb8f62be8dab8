// Which code runs a convolution: oneDNN's kernels (libdnnl, opened at run time by CSupport/zoo_dnnl.c, no
// link-time dependency) or zoo's own im2col + sgemm (ConvKernels.swift), which every machine has.
//
// ZOO_CONV chooses: unset (the default: oneDNN where libdnnl loads, else im2col), `dnnl` (oneDNN; the program
// stops with a message if it cannot be loaded) or `im2col` (zoo's own path; the library is not opened).
// oneDNN was faster on every conv benchmark row on the AVX-512 Xeon, forward and backward
// (docs/benchmarks.md). Its results differ from im2col's in the last bits (another summation order); tests
// compare both against Double references, and the models' parity tests against the official code pass on
// both. A convolution called inside a parallel task stays on im2col (oneDNN brings its own threads).

import CSupport
import Foundation
import Synchronization

/// The convolution path in use and the switch between oneDNN and im2col + sgemm.
public enum ConvBackend {
    /// The paths a convolution can take.
    public enum Path: String, Sendable, CaseIterable {
        case im2col, dnnl
    }

    /// ZOO_CONV when the process started (nil when unset: oneDNN where it loads, else im2col). An unknown
    /// value stops the program with a message naming the variable.
    public static let requested: Path? = {
        guard let raw = ProcessInfo.processInfo.environment["ZOO_CONV"], !raw.isEmpty else { return nil }
        guard let path = Path(rawValue: raw.lowercased()) else {
            fatalError("ZOO_CONV=\(raw): expected im2col or dnnl")
        }
        return path
    }()

    /// Whether oneDNN is loaded (opens it on first use unless ZOO_CONV=im2col).
    public static var dnnlAvailable: Bool { requested != .im2col && zoo_dnnl_available() != 0 }

    /// With ZOO_CONV=dnnl, stops the program when oneDNN cannot be loaded (checked once).
    private static let strictCheck: Bool = {
        if requested == .dnnl && !dnnlAvailable {
            fatalError("ZOO_CONV=dnnl, but oneDNN cannot be used: \(dnnlStatus)")
        }
        return true
    }()

    /// "oneDNN 2.6.3 (/path)" or why it is not used.
    public static var dnnlStatus: String { String(cString: zoo_dnnl_status()) }

    /// Overrides ZOO_CONV for the convolutions of the current task (`ConvBackend.$forced.withValue(.dnnl)
    /// { ... }`): tests run both paths in one process. `.dnnl` still needs oneDNN loadable and not disabled
    /// with ZOO_CONV=im2col (otherwise im2col runs).
    @TaskLocal public static var forced: Path?

    /// Convolution calls oneDNN has run in this process (forward, input grad and weight grad together).
    public static var dnnlCalls: Int { calls.load(ordering: .relaxed) }
    private static let calls = Atomic<Int>(0)
    static func countDNNLCall() { calls.add(1, ordering: .relaxed) }

    /// Whether a convolution of geometry `g` goes to oneDNN (oneDNN itself may still decline the shape; then
    /// im2col + sgemm runs it).
    @inline(__always)
    static func useDNNL(_ g: ConvGeometry) -> Bool {
        guard (forced ?? requested) != .im2col, !Parallel.isInsideParallelRegion, strictCheck else { return false }
        return dnnlAvailable
    }

    /// zoo's geometry in the shim's form: 2-D when depth, kernel depth and output depth are 1.
    static func shape(_ g: ConvGeometry) -> zoo_conv_shape {
        let flat = g.input[0] == 1 && g.output[0] == 1 && g.kernel[0] == 1 && g.padBefore[0] == 0
        func triple(_ a: [Int]) -> (Int32, Int32, Int32) { (Int32(a[0]), Int32(a[1]), Int32(a[2])) }
        return zoo_conv_shape(spatial: flat ? 2 : 3, batch: Int32(g.batch), in_channels: Int32(g.inChannels),
                              out_channels: Int32(g.outChannels), input: triple(g.input), output: triple(g.output),
                              kernel: triple(g.kernel), stride: triple(g.stride), dilation: triple(g.dilation),
                              pad_before: triple(g.padBefore))
    }

    /// Builds and runs one small convolution of each kind with oneDNN and returns the implementations it
    /// chose (e.g. "forward brgconv:avx512_core, backward data jit:avx512_core, ..."); nil without oneDNN.
    public static func probeImplementations() -> String? {
        guard requested != .im2col, dnnlAvailable else { return nil }
        let g = ConvGeometry(batch: 2, inChannels: 32, outChannels: 32, input: [1, 16, 16], output: [1, 16, 16],
                             kernel: [1, 3, 3], stride: [1, 1, 1], dilation: [1, 1, 1], padBefore: [0, 1, 1])
        var s = shape(g)
        let x = [Float](repeating: 0.5, count: 2 * 32 * 256), w = [Float](repeating: 0.1, count: 32 * 32 * 9)
        var y = [Float](repeating: 0, count: x.count), dw = [Float](repeating: 0, count: w.count)
        var parts: [String] = []
        if zoo_dnnl_conv_forward(&s, x, w, nil, &y) == 0 { parts.append("forward " + String(cString: zoo_dnnl_implementation())) }
        if zoo_dnnl_conv_backward_data(&s, x, w, &y) == 0 {
            parts.append("input grad " + String(cString: zoo_dnnl_implementation()))
        }
        if zoo_dnnl_conv_backward_weights(&s, x, x, &dw) == 0 {
            parts.append("weight grad " + String(cString: zoo_dnnl_implementation()))
        }
        return parts.isEmpty ? nil : parts.joined(separator: ", ")
    }

    /// A one-line summary for `zoo doctor`.
    public static var summary: String {
        switch requested {
        case .im2col: return "im2col + sgemm (ZOO_CONV=im2col)"
        case nil:
            return dnnlAvailable
                ? "oneDNN (the default where it loads; ZOO_CONV=im2col for zoo's own im2col + sgemm), im2col + sgemm "
                    + "inside parallel tasks; \(dnnlStatus)"
                : "im2col + sgemm (the default without oneDNN: \(dnnlStatus))"
        case .dnnl:
            return "oneDNN (ZOO_CONV=dnnl) for every convolution it accepts, im2col + sgemm inside parallel tasks; "
                + dnnlStatus
        }
    }
}
