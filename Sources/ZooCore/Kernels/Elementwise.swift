// Elementwise kernels on raw buffers: maps, broadcasting zips and strided copies. No tape here.

/// Pure kernels over tensor values (no autodiff).
public enum Kernels {
    /// y[i] = f(x[i]).
    @inline(__always)
    public static func map(_ x: Tensor, _ f: (Float) -> Float) -> Tensor {
        let out = Tensor.uninitialized(x.shape)
        let src = x.storage.pointer, dst = out.storage.pointer
        Parallel.forChunks(x.count, minimumWork: 65_536) { r in for i in r { dst[i] = f(src[i]) } }
        return out
    }

    /// out[i] = f(a[i], b[i]) with NumPy broadcasting.
    @inline(__always)
    public static func zip(_ a: Tensor, _ b: Tensor, _ f: (Float, Float) -> Float) -> Tensor {
        let pa = a.storage.pointer, pb = b.storage.pointer
        if a.shape == b.shape {
            let out = Tensor.uninitialized(a.shape)
            let po = out.storage.pointer
            Parallel.forChunks(a.count, minimumWork: 65_536) { r in for i in r { po[i] = f(pa[i], pb[i]) } }
            return out
        }
        let shape = Shape.broadcast(a.shape, b.shape)
        let out = Tensor.uninitialized(shape)
        let po = out.storage.pointer
        if b.count == 1 && a.count == out.count {
            let s = pb[0]
            Parallel.forChunks(a.count, minimumWork: 65_536) { r in for i in r { po[i] = f(pa[i], s) } }
            return out
        }
        if a.count == 1 && b.count == out.count {
            let s = pa[0]
            Parallel.forChunks(b.count, minimumWork: 65_536) { r in for i in r { po[i] = f(s, pb[i]) } }
            return out
        }
        let (dims, st) = Shape.collapse(shape, [Shape.broadcastStrides(a.shape, to: shape),
                                                Shape.broadcastStrides(b.shape, to: shape)])
        let inner = dims[dims.count - 1]
        let ia = st[0][dims.count - 1], ib = st[1][dims.count - 1]
        let outer = out.count / inner
        Parallel.forChunks(outer, minimumWork: 65_536, costPerItem: inner) { range in
            for o in range {
                var rem = o, offA = 0, offB = 0
                for d in stride(from: dims.count - 2, through: 0, by: -1) {
                    let idx = rem % dims[d]
                    rem /= dims[d]
                    offA += idx * st[0][d]
                    offB += idx * st[1][d]
                }
                let dst = po + o * inner, sa = pa + offA, sb = pb + offB
                if ia == 1 && ib == 1 {
                    for i in 0..<inner { dst[i] = f(sa[i], sb[i]) }
                } else if ia == 1 && ib == 0 {
                    let v = sb[0]
                    for i in 0..<inner { dst[i] = f(sa[i], v) }
                } else if ia == 0 && ib == 1 {
                    let v = sa[0]
                    for i in 0..<inner { dst[i] = f(v, sb[i]) }
                } else {
                    for i in 0..<inner { dst[i] = f(sa[i * ia], sb[i * ib]) }
                }
            }
        }
        return out
    }

    /// out[i] = f(a[i], b[i], c[i]) for three tensors broadcast to one shape.
    @inline(__always)
    public static func zip3(_ a: Tensor, _ b: Tensor, _ c: Tensor, _ f: (Float, Float, Float) -> Float) -> Tensor {
        let shape = Shape.broadcast(Shape.broadcast(a.shape, b.shape), c.shape)
        let ea = a.shape == shape ? a : expandCopy(a, to: shape)
        let eb = b.shape == shape ? b : expandCopy(b, to: shape)
        let ec = c.shape == shape ? c : expandCopy(c, to: shape)
        let out = Tensor.uninitialized(shape)
        let pa = ea.storage.pointer, pb = eb.storage.pointer, pc = ec.storage.pointer, po = out.storage.pointer
        Parallel.forChunks(out.count, minimumWork: 65_536) { r in for i in r { po[i] = f(pa[i], pb[i], pc[i]) } }
        return out
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
