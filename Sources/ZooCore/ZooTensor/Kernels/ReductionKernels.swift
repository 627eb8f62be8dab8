// Reduction kernels over one contiguous block of axes, viewed as [outer, reduced, inner].

extension Kernels {
    /// Sums [outer, r, inner] over the middle axis into [outer, inner].
    public static func sumMiddle(_ src: UnsafePointer<Float>, outer: Int, r: Int, inner: Int,
                                 into dst: UnsafeMutablePointer<Float>) {
        if inner == 1 {
            Parallel.forChunks(outer, minimumWork: 65_536, costPerItem: r) { range in
                for o in range {
                    let s = src + o * r
                    var acc0: Float = 0, acc1: Float = 0, acc2: Float = 0, acc3: Float = 0
                    var i = 0
                    while i + 4 <= r { acc0 += s[i]; acc1 += s[i + 1]; acc2 += s[i + 2]; acc3 += s[i + 3]; i += 4 }
                    while i < r { acc0 += s[i]; i += 1 }
                    dst[o] = (acc0 + acc1) + (acc2 + acc3)
                }
            }
            return
        }
        // Split over outer when it is large, otherwise over inner columns.
        if outer >= Parallel.threads * 2 || inner < 1024 {
            Parallel.forChunks(outer, minimumWork: 65_536, costPerItem: r * inner) { range in
                for o in range { accumulateRows(src + o * r * inner, r: r, inner: inner, cols: 0..<inner, dst + o * inner) }
            }
        } else {
            for o in 0..<outer {
                Parallel.forChunks(inner, minimumWork: 65_536, costPerItem: r) { cols in
                    accumulateRows(src + o * r * inner, r: r, inner: inner, cols: cols, dst + o * inner)
                }
            }
        }
    }

    @inline(__always)
    private static func accumulateRows(_ s: UnsafePointer<Float>, r: Int, inner: Int, cols: Range<Int>,
                                       _ d: UnsafeMutablePointer<Float>) {
        for c in cols { d[c] = s[c] }
        for k in 1..<Swift.max(r, 1) {
            let row = s + k * inner
            for c in cols { d[c] += row[c] }
        }
        if r == 0 { for c in cols { d[c] = 0 } }
    }

    /// Maximum of [outer, r, inner] over the middle axis into [outer, inner].
    public static func maxMiddle(_ src: UnsafePointer<Float>, outer: Int, r: Int, inner: Int,
                                 into dst: UnsafeMutablePointer<Float>) {
        if inner == 1 && r >= 16 {
            // Rows of contiguous values (a softmax over the last axis): eight lanes at a time. The maximum
            // is exact, so the result is the scalar loop's (a NaN anywhere gives NaN).
            Parallel.forChunks(outer, minimumWork: 65_536, costPerItem: r) { range in
                for o in range { dst[o] = rowMax(src + o * r, count: r) }
            }
            return
        }
        Parallel.forChunks(outer, minimumWork: 65_536, costPerItem: r * inner) { range in
            for o in range {
                let s = src + o * r * inner, d = dst + o * inner
                for c in 0..<inner { d[c] = s[c] }
                for k in 1..<Swift.max(r, 1) {
                    let row = s + k * inner
                    for c in 0..<inner where row[c] > d[c] || row[c].isNaN { d[c] = row[c] }
                }
            }
        }
    }

    /// The largest of `count` ≥ 8 contiguous values, NaN when any is NaN.
    @inline(__always)
    private static func rowMax(_ p: UnsafePointer<Float>, count: Int) -> Float {
        var m = load8(p, 0)
        var nan = m .!= m
        var i = 8
        while i + 8 <= count {
            let v = load8(p, i)
            m.replace(with: v, where: v .> m)  // (the generic pointwiseMax was not inlined)
            nan .|= v .!= v
            i += 8
        }
        var best = m.max()
        while i < count { let v = p[i]; if v > best { best = v }; if v.isNaN { return v }; i += 1 }
        return any(nan) ? Float.nan : best
    }
}
