// Elementwise kernels on raw buffers: maps, broadcasting zips and strided copies. No tape here.

/// Pure kernels over tensor values (no autodiff).
public enum Kernels {
    /// Work (elements × the function's `cost`) per thread below which an elementwise loop stays on the
    /// calling thread. Measured on the shared 2-core EPYC (Tools/bench/elementwise, median of 30, one
    /// thread against two): an add split in two was slower at 128 K-512 K elements (0.75-0.85x) and faster
    /// at 1 M (1.14x); an exp 1.08x at 64 K, 1.58x at 128 K. So an add splits from 1 M elements, a
    /// libm-cost function (cost 8) from 128 K.
    static let elementwiseMinimumWork = 524_288

    // MARK: - closure forms (public; the function is called through a pointer)

    /// y[i] = f(x[i]). The closure is not inlined into the loop; ZooCore's own ops use the generic form
    /// with a `UnaryFunction` type, which is.
    public static func map(_ x: Tensor, _ f: (Float) -> Float) -> Tensor {
        withoutActuallyEscaping(f) { map(x, UnaryClosure(body: $0)) }
    }

    /// out[i] = f(a[i], b[i]) with NumPy broadcasting (closure form; see `map`).
    public static func zip(_ a: Tensor, _ b: Tensor, _ f: (Float, Float) -> Float) -> Tensor {
        withoutActuallyEscaping(f) { zip(a, b, BinaryClosure(body: $0)) }
    }

    /// out[i] = f(a[i], b[i], c[i]) for three tensors broadcast to one shape (closure form; see `map`).
    public static func zip3(_ a: Tensor, _ b: Tensor, _ c: Tensor, _ f: (Float, Float, Float) -> Float) -> Tensor {
        withoutActuallyEscaping(f) { zip3(a, b, c, TernaryClosure(body: $0)) }
    }

    // MARK: - generic forms (specialised per function type; the loop inlines the function)

    /// y[i] = f(x[i]).
    static func map<F: UnaryFunction>(_ x: Tensor, _ f: F) -> Tensor {
        let out = Tensor.uninitialized(x.shape)
        let src = x.storage.pointer, dst = out.storage.pointer
        Parallel.forChunks(x.count, minimumWork: elementwiseMinimumWork, costPerItem: F.cost) { r in
            let s = src + r.lowerBound, d = dst + r.lowerBound
            for i in 0..<r.count { d[i] = f(s[i]) }
        }
        return out
    }

    /// out[i] = f(a[i], b[i]) with NumPy broadcasting.
    static func zip<F: BinaryFunction>(_ a: Tensor, _ b: Tensor, _ f: F) -> Tensor {
        broadcastApply((a.storage.pointer, b.storage.pointer, zeroScalar), shapes: [a.shape, b.shape, []],
                       into: Shape.broadcast(a.shape, b.shape), IgnoringThird(f: f))
    }

    /// out[i] = f(a[i], b[i], c[i]) for three tensors broadcast to one shape.
    static func zip3<F: TernaryFunction>(_ a: Tensor, _ b: Tensor, _ c: Tensor, _ f: F) -> Tensor {
        broadcastApply((a.storage.pointer, b.storage.pointer, c.storage.pointer), shapes: [a.shape, b.shape, c.shape],
                       into: Shape.broadcast(Shape.broadcast(a.shape, b.shape), c.shape), f)
    }

    /// The third input of a two-input zip (read with stride 0, ignored by `IgnoringThird`).
    private static let zeroScalar: UnsafeMutablePointer<Float> = {
        let p = UnsafeMutablePointer<Float>.allocate(capacity: 1)
        p.initialize(to: 0)
        return p
    }()

    /// out = f over three inputs broadcast to `shape`. The output is walked in flat order and split into
    /// equal element ranges (not whole rows), so a few long rows still spread over the cores; each range
    /// is run row by row, a row being one run of the innermost collapsed axis.
    private static func broadcastApply<F: TernaryFunction>(
        _ p: (UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>),
        shapes: [[Int]], into shape: [Int], _ f: F
    ) -> Tensor {
        let out = Tensor.uninitialized(shape)
        let total = out.count
        if total == 0 { return out }
        let po = out.storage.pointer
        let layout = BroadcastLayout(shape: shape, inputs: shapes)
        let inner = layout.inner
        let (ia, ib, ic) = layout.innerStrides
        Parallel.forChunks(total, minimumWork: elementwiseMinimumWork, costPerItem: F.cost) { r in
            var flat = r.lowerBound
            while flat < r.upperBound {
                let row = flat / inner, first = flat - row * inner
                let n = Swift.min(inner - first, r.upperBound - flat)
                let (oa, ob, oc) = layout.rowOffsets(row)
                applyRow(f, po + flat, n, p.0 + oa + first * ia, ia, p.1 + ob + first * ib, ib,
                         p.2 + oc + first * ic, ic)
                flat += n
            }
        }
        return out
    }

    /// d[i] = f(a[i·ia], b[i·ib], c[i·ic]) for i in 0..<n, with unit and zero strides of the first two
    /// inputs spelled out so that those loops vectorise.
    @inline(__always)
    private static func applyRow<F: TernaryFunction>(
        _ f: F, _ d: UnsafeMutablePointer<Float>, _ n: Int, _ a: UnsafePointer<Float>, _ ia: Int,
        _ b: UnsafePointer<Float>, _ ib: Int, _ c: UnsafePointer<Float>, _ ic: Int
    ) {
        switch (ia, ib, ic) {
        case (1, 1, 1): for i in 0..<n { d[i] = f(a[i], b[i], c[i]) }
        case (1, 1, 0): let vc = c[0]; for i in 0..<n { d[i] = f(a[i], b[i], vc) }
        case (1, 0, 0): let vb = b[0], vc = c[0]; for i in 0..<n { d[i] = f(a[i], vb, vc) }
        case (0, 1, 0): let va = a[0], vc = c[0]; for i in 0..<n { d[i] = f(va, b[i], vc) }
        default: for i in 0..<n { d[i] = f(a[i * ia], b[i * ib], c[i * ic]) }
        }
    }

    /// Copies `shape` elements from `src` (walked with `srcStrides`, from `srcOffset`) to `dst` (walked
    /// with `dstStrides`, from `dstOffset`). Strides may be 0 (broadcast) or negative (flip).
    public static func stridedCopy(shape: [Int], src: UnsafePointer<Float>, srcOffset: Int, srcStrides: [Int],
                                   dst: UnsafeMutablePointer<Float>, dstOffset: Int, dstStrides: [Int]) {
        let total = shape.reduce(1, *)
        if total == 0 { return }
        let (dims, st) = Shape.collapse(shape, [srcStrides, dstStrides])
        let n = dims.count
        let inner = dims[n - 1], si = st[0][n - 1], di = st[1][n - 1]
        let outer = total / inner
        Parallel.forChunks(outer, minimumWork: 131_072, costPerItem: inner) { range in
            for o in range {
                var rem = o, offS = srcOffset, offD = dstOffset
                for d in stride(from: n - 2, through: 0, by: -1) {
                    let idx = rem % dims[d]
                    rem /= dims[d]
                    offS += idx * st[0][d]
                    offD += idx * st[1][d]
                }
                let s = src + offS, dp = dst + offD
                if si == 1 && di == 1 {
                    dp.update(from: s, count: inner)
                } else if si == 0 {
                    let v = s[0]
                    for i in 0..<inner { dp[i * di] = v }
                } else {
                    for i in 0..<inner { dp[i * di] = s[i * si] }
                }
            }
        }
    }

    /// A contiguous copy of `x` broadcast to `shape`.
    public static func expandCopy(_ x: Tensor, to shape: [Int]) -> Tensor {
        let out = Tensor.uninitialized(shape)
        stridedCopy(shape: shape, src: x.storage.pointer, srcOffset: 0,
                    srcStrides: Shape.broadcastStrides(x.shape, to: shape),
                    dst: out.storage.pointer, dstOffset: 0, dstStrides: Shape.strides(shape))
        return out
    }
}

/// The loop structure of an elementwise op over three inputs broadcast to one output shape: the output's
/// collapsed axes (innermost last) and each input's strides along them (0 where it is broadcast).
struct BroadcastLayout {
    private let dims: [Int]
    private let strides: [[Int]]

    init(shape: [Int], inputs: [[Int]]) {
        require(inputs.count == 3, "BroadcastLayout takes three inputs")
        let count = shape.reduce(1, *)
        if inputs.allSatisfy({ $0 == shape || $0.reduce(1, *) == 1 }) {
            // Same shape or a single value: one flat run, no stride arithmetic.
            dims = [count]
            strides = inputs.map { $0.reduce(1, *) == 1 ? [0] : [1] }
        } else {
            (dims, strides) = Shape.collapse(shape, inputs.map { Shape.broadcastStrides($0, to: shape) })
        }
    }

    /// Length of a row (the innermost collapsed axis).
    var inner: Int { dims[dims.count - 1] }

    /// Each input's stride along a row.
    var innerStrides: (Int, Int, Int) {
        let d = dims.count - 1
        return (strides[0][d], strides[1][d], strides[2][d])
    }

    /// Each input's offset at the start of row `row`.
    @inline(__always)
    func rowOffsets(_ row: Int) -> (Int, Int, Int) {
        var rem = row, a = 0, b = 0, c = 0
        for d in stride(from: dims.count - 2, through: 0, by: -1) {
            let idx = rem % dims[d]
            rem /= dims[d]
            a += idx * strides[0][d]
            b += idx * strides[1][d]
            c += idx * strides[2][d]
        }
        return (a, b, c)
    }
}
