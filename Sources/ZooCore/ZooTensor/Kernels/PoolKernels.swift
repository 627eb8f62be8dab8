// Pooling kernels over planes (one plane = one channel of one sample, [D, H, W]; 2-D pools use D = 1),
// and the per-plane gather / scatter that max pooling and nearest resizing differentiate through.

/// Window geometry of a pooling op on `planes` planes of size `input` ([D, H, W]).
public struct PoolGeometry: Equatable, Sendable {
    public var planes: Int
    public var input: [Int]
    public var output: [Int]
    public var kernel: [Int]
    public var stride: [Int]
    public var padBefore: [Int]
    public var padAfter: [Int]

    public init(planes: Int, input: [Int], output: [Int], kernel: [Int], stride: [Int], padBefore: [Int], padAfter: [Int]) {
        self.planes = planes
        self.input = input
        self.output = output
        self.kernel = kernel
        self.stride = stride
        self.padBefore = padBefore
        self.padAfter = padAfter
    }

    @inline(__always) var inputVolume: Int { input[0] * input[1] * input[2] }
    @inline(__always) var outputVolume: Int { output[0] * output[1] * output[2] }

    /// The window of output position o along `axis`: its unclipped start and its part inside the input.
    @inline(__always) func window(_ axis: Int, _ o: Int) -> (start: Int, inside: Range<Int>) {
        let start = o * stride[axis] - padBefore[axis]
        return (start, Swift.max(start, 0)..<Swift.min(start + kernel[axis], input[axis]))
    }

    /// Divisor of an average over the window at (od, oh, ow): the positions inside the input, or with
    /// `includePad` the positions inside the padded input (PyTorch's count_include_pad).
    @inline(__always) func divisor(_ od: Int, _ oh: Int, _ ow: Int, includePad: Bool) -> Float {
        Float(Swift.max(count(0, od, includePad) * count(1, oh, includePad) * count(2, ow, includePad), 1))
    }

    @inline(__always) private func count(_ axis: Int, _ o: Int, _ includePad: Bool) -> Int {
        let (start, inside) = window(axis, o)
        return includePad ? Swift.min(start + kernel[axis], input[axis] + padAfter[axis]) - start : inside.count
    }
}

/// For each output position of each plane, the index inside the matching input plane it reads (−1: none).
/// `indices` holds either one map shared by every plane (`outputPlane` entries) or one per plane.
public final class PlaneIndexMap: @unchecked Sendable {
    public let planes: Int
    public let inputPlane: Int
    public let outputPlane: Int
    public let shared: Bool
    package let indices: UnsafeMutablePointer<Int32>

    package init(planes: Int, inputPlane: Int, outputPlane: Int, shared: Bool) {
        require(inputPlane < Int(Int32.max), "plane of \(inputPlane) elements is too large for Int32 indices")
        self.planes = planes
        self.inputPlane = inputPlane
        self.outputPlane = outputPlane
        self.shared = shared
        indices = .allocate(capacity: Swift.max(1, shared ? outputPlane : planes * outputPlane))
    }

    deinit { indices.deallocate() }

    @inline(__always) func plane(_ p: Int) -> UnsafeMutablePointer<Int32> { shared ? indices : indices + p * outputPlane }
}

/// One output position of a pool: its index `j` in the output plane, its coordinates, and the part of
/// the input plane its window covers.
struct PoolWindow {
    let j: Int, od: Int, oh: Int, ow: Int
    let depth: Range<Int>, rows: Range<Int>, columns: Range<Int>
    /// The input plane's height and width.
    let height: Int, width: Int

    /// Calls `body(i)` for the index i inside the input plane of each window element, in row-major order.
    @inline(__always) func forEachInput(_ body: (Int) -> Void) {
        for d in depth {
            for h in rows {
                let row = (d * height + h) * width
                for w in columns { body(row + w) }
            }
        }
    }
}

extension PoolGeometry {
    /// Calls `body(window)` for each output window of one plane, in row-major order.
    @inline(__always) func forEachWindow(_ body: (PoolWindow) -> Void) {
        var j = 0
        for od in 0..<output[0] {
            let wd = window(0, od).inside
            for oh in 0..<output[1] {
                let wh = window(1, oh).inside
                for ow in 0..<output[2] {
                    body(PoolWindow(j: j, od: od, oh: oh, ow: ow, depth: wd, rows: wh, columns: window(2, ow).inside,
                                    height: input[1], width: input[2]))
                    j += 1
                }
            }
        }
    }

    /// Calls `body(planes)` on chunks of the planes, spread over the cores.
    @inline(__always) func forPlaneChunks(_ body: (Range<Int>) -> Void) {
        Parallel.forChunks(planes, minimumWork: 16_384, costPerItem: outputVolume * kernel.reduce(1, *), body)
    }
}

extension Kernels {
    /// Max over each window (padding never wins: it counts as −∞; NaN propagates; the first maximum wins
    /// ties), writing the winner's index inside its input plane to `map`.
    public static func maxPool(_ x: UnsafePointer<Float>, _ g: PoolGeometry, into y: UnsafeMutablePointer<Float>,
                               indices map: PlaneIndexMap) {
        let vin = g.inputVolume, vout = g.outputVolume
        g.forPlaneChunks { planes in
            for p in planes {
                let src = x + p * vin, dst = y + p * vout, idx = map.plane(p)
                g.forEachWindow { window in
                    var best = -Float.infinity, at = -1
                    window.forEachInput { i in
                        let v = src[i]
                        if v > best || v.isNaN || at < 0 {
                            best = v
                            at = i
                        }
                    }
                    dst[window.j] = best
                    idx[window.j] = Int32(at)
                }
            }
        }
    }

    /// Mean over each window (divisor as `PoolGeometry.divisor`).
    public static func avgPool(_ x: UnsafePointer<Float>, _ g: PoolGeometry, includePad: Bool,
                               into y: UnsafeMutablePointer<Float>) {
        let vin = g.inputVolume, vout = g.outputVolume
        g.forPlaneChunks { planes in
            for p in planes {
                let src = x + p * vin, dst = y + p * vout
                g.forEachWindow { window in
                    var sum: Float = 0
                    window.forEachInput { sum += src[$0] }
                    dst[window.j] = sum / g.divisor(window.od, window.oh, window.ow, includePad: includePad)
                }
            }
        }
    }

    /// The adjoint of `avgPool`: each output gradient spread evenly over its window.
    public static func avgPoolAdjoint(_ dy: UnsafePointer<Float>, _ g: PoolGeometry, includePad: Bool,
                                      into dx: UnsafeMutablePointer<Float>) {
        let vin = g.inputVolume, vout = g.outputVolume
        g.forPlaneChunks { planes in
            for p in planes {
                let src = dy + p * vout, dst = dx + p * vin
                dst.update(repeating: 0, count: vin)
                g.forEachWindow { window in
                    let v = src[window.j] / g.divisor(window.od, window.oh, window.ow, includePad: includePad)
                    window.forEachInput { dst[$0] += v }
                }
            }
        }
    }

    /// y[p, j] = x[p, map[p, j]] (0 where the map has −1).
    public static func gatherPlanes(_ x: UnsafePointer<Float>, _ map: PlaneIndexMap, into y: UnsafeMutablePointer<Float>) {
        let vin = map.inputPlane, vout = map.outputPlane
        Parallel.forChunks(map.planes, minimumWork: 65_536, costPerItem: vout) { planes in
            for p in planes {
                let src = x + p * vin, dst = y + p * vout, idx = map.plane(p)
                for j in 0..<vout { let i = Int(idx[j]); dst[j] = i >= 0 ? src[i] : 0 }
            }
        }
    }

    /// The adjoint of `gatherPlanes`: x[p, map[p, j]] += y[p, j], x zero elsewhere.
    public static func scatterPlanes(_ y: UnsafePointer<Float>, _ map: PlaneIndexMap, into x: UnsafeMutablePointer<Float>) {
        let vin = map.inputPlane, vout = map.outputPlane
        Parallel.forChunks(map.planes, minimumWork: 65_536, costPerItem: Swift.max(vin, vout)) { planes in
            for p in planes {
                let src = y + p * vout, dst = x + p * vin, idx = map.plane(p)
                dst.update(repeating: 0, count: vin)
                for j in 0..<vout { let i = Int(idx[j]); if i >= 0 { dst[i] += src[j] } }
            }
        }
    }
}
