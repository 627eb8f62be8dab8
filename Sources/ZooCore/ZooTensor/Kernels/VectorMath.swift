// e^x, σ(x) and tanh(x) for Float without calls or branches, so that a loop over them vectorises
// (libm's expf/expm1f/tanhf are scalar calls: 15-18% of a ConvGRU step went to them, perf 2026-11-26).
//
// exp: x = n·ln2 + r with n = round(x/ln2) and |r| ≤ ln2/2 (ln2 split in a high and a low part, Cody and
// Waite), e^r from the degree-7 polynomial of Cephes' expf, and 2^n written into the exponent bits in two
// halves so that results in the subnormal range come out right. n is rounded by adding 1.5·2^23 (no
// float-to-int conversion, which would trap on NaN in checked builds).
// Accuracy against a Double reference over [-104, 89]: relative error ≤ 2.4e-7 for normal results
// (Tests/ZooCoreTests/Kernels/VectorMathTests.swift), inf above 88.73, 0 below about -103.97, NaN for NaN.

/// e^x, branch-free (see the note at the top of the file).
@inline(__always) func vectorExp(_ x: Float) -> Float {
    let c = Swift.min(Swift.max(x, -104), 89)  // NaN stays NaN
    let shifter: Float = 12_582_912  // 1.5 · 2^23: adding it rounds to an integer
    let t = c * 1.442_695_04 + shifter
    let n = t - shifter
    let r = (c - n * 0.693_359_375) + n * 2.121_944_4e-4  // ln2 = 0.693359375 − 2.12194440e-4
    var p: Float = 1.987_569_15e-4
    p = p * r + 1.398_199_95e-3
    p = p * r + 8.333_451_9e-3
    p = p * r + 4.166_579_6e-2
    p = p * r + 1.666_666_55e-1
    p = p * r + 5.000_000_1e-1
    p = p * (r * r) + r + 1
    // n sits in the low mantissa bits of t; split it so that each power of two is a normal float.
    let ni = Int32(bitPattern: t.bitPattern &- shifter.bitPattern)
    let a = ni >> 1, b = ni &- a
    let sa = Float(bitPattern: UInt32(bitPattern: (a &+ 127) << 23))
    let sb = Float(bitPattern: UInt32(bitPattern: (b &+ 127) << 23))
    return p * sa * sb
}

/// σ(x) = 1 / (1 + e^−x), from e^−|x| so that neither tail overflows.
@inline(__always) func vectorSigmoid(_ x: Float) -> Float {
    let e = vectorExp(-Swift.abs(x))
    let d = 1 + e
    return x >= 0 ? 1 / d : e / d
}

/// tanh x: an odd polynomial below |x| = 0.625 (Cephes' tanhf), 1 − 2 / (e^2|x| + 1) above, sign restored.
@inline(__always) func vectorTanh(_ x: Float) -> Float {
    let ax = Swift.abs(x)
    let z = x * x
    var p: Float = -5.704_988_7e-3
    p = p * z + 2.063_908_9e-2
    p = p * z - 5.373_971_6e-2
    p = p * z + 1.333_144_2e-1
    p = p * z - 3.333_328_2e-1
    let small = p * z * ax + ax
    let large = 1 - 2 / (vectorExp(2 * ax) + 1)
    return Float(signOf: x, magnitudeOf: ax < 0.625 ? small : large)  // keeps −0 and NaN
}
