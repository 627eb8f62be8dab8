// A D2Q9 lattice-Boltzmann solver for 2-D flow past static obstacles, used to generate the `flow` data.
//
// Written for this project after the textbook scheme (Krüger et al., "The Lattice Boltzmann Method",
// 2017): regularised BGK collision (Latt & Chopard 2006: the non-equilibrium part is projected onto its
// second-order Hermite moment before relaxing, which keeps the scheme stable at relaxation times close
// to 1/2), fused pull-streaming on a double buffer, half-way bounce-back on obstacle nodes, an
// equilibrium velocity inlet on the left, a zero-gradient outlet on the right and free-slip (specular)
// walls at the top and bottom. Populations are Float32 in struct-of-arrays order (9 planes).

/// A D2Q9 lattice with obstacles, advanced tick by tick.
///
/// Lattice units throughout: spacing 1, tick 1, speed of sound 1/√3; the kinematic viscosity is
/// `(relaxationTime − 1/2) / 3`. Node (x, y) has x growing downstream (to the right) and y upwards;
/// planes are stored row by row (`y * width + x`). Results do not depend on the number of threads:
/// every node's update reads only the previous buffer, rows are split across threads, and the
/// arithmetic per node is fixed.
import ZooTensor

public final class LBMFlow: @unchecked Sendable {
    /// How the edges of the lattice behave.
    public enum Boundaries: Sendable {
        /// Velocity inlet (left), zero-gradient outlet (right), free-slip walls (top and bottom).
        case channel
        /// Periodic in both directions (closed box; conserves mass exactly up to rounding).
        case periodic
    }

    /// Nodes across (x, downstream).
    public let width: Int
    /// Nodes up (y).
    public let height: Int
    /// BGK relaxation time τ (> 1/2); the viscosity is (τ − 1/2)/3.
    public let relaxationTime: Float
    /// Inflow speed at the left edge (lattice units per tick); unused for `.periodic`.
    public let inflowVelocity: Float
    /// Edge behaviour.
    public let boundaries: Boundaries
    /// Ticks advanced so far.
    public private(set) var tickCount = 0
    /// Whether `step` splits rows over the cores (the result is the same either way).
    public var parallelRows = true
    /// Columns before the outlet that absorb outgoing waves (`.channel` only; 0: none).
    public let spongeWidth: Int
    private let inflowEquilibrium: [Float]
    /// Relaxation towards the inflow equilibrium per tick in each sponge column (rising to 1/4).
    private let spongeProfile: [Float]

    /// Obstacle mask, row-major, 1 where the node is solid.
    public let solid: [UInt8]
    /// For rows 1..<height−1: the x of nodes that the bulk loop gets wrong (edges, solid nodes, fluid
    /// nodes next to a solid one); they are recomputed by the general update after the bulk loop.
    private let specialColumns: [[Int32]]
    private let nodeCount: Int
    private var current: UnsafeMutablePointer<Float>
    private var next: UnsafeMutablePointer<Float>

    // D2Q9 velocities: rest, the four axis directions, then the four diagonals.
    static let cx: [Int] = [0, 1, 0, -1, 0, 1, -1, -1, 1]
    static let cy: [Int] = [0, 0, 1, 0, -1, 1, 1, -1, -1]
    /// The opposite direction of each velocity (bounce-back).
    static let opposite: [Int] = [0, 3, 4, 1, 2, 7, 8, 5, 6]
    /// The direction with c_y negated (specular reflection at a horizontal wall).
    static let mirrorY: [Int] = [0, 1, 4, 3, 2, 8, 7, 6, 5]
    static let weights: [Float] = [4 / 9, 1 / 9, 1 / 9, 1 / 9, 1 / 9, 1 / 36, 1 / 36, 1 / 36, 1 / 36]

    /// Creates a lattice at equilibrium with density 1 and the velocity `initialVelocity(x, y)`.
    /// - Parameters:
    ///   - solid: row-major obstacle mask (`width * height`, nonzero = solid). With `.channel`, keep
    ///     obstacles at least two nodes away from every edge.
    ///   - relaxationTime: τ; pick it from the Reynolds number, `τ = 3 U D / Re + 1/2`.
    ///   - spongeWidth: columns before the outlet that absorb sound waves and the wake (`.channel`).
    ///   - initialVelocity: the starting field, e.g. the inflow plus a small asymmetric kick that makes a
    ///     wake start shedding sooner. Solid nodes start at rest.
    public init(width: Int, height: Int, solid: [UInt8], relaxationTime: Float, inflowVelocity: Float,
                boundaries: Boundaries = .channel, spongeWidth: Int = 0,
                initialVelocity: (Int, Int) -> (Float, Float)) {
        require(width >= 4 && height >= 4, "LBMFlow needs at least 4x4 nodes, got \(width)x\(height)")
        require(solid.count == width * height, "solid mask has \(solid.count) nodes, need \(width * height)")
        require(relaxationTime > 0.5, "relaxation time must exceed 1/2, got \(relaxationTime)")
        self.width = width
        self.height = height
        self.solid = solid
        self.relaxationTime = relaxationTime
        self.inflowVelocity = inflowVelocity
        self.boundaries = boundaries
        require(spongeWidth >= 0 && spongeWidth < width / 2,
                     "sponge width \(spongeWidth) must be below half the width")
        self.spongeWidth = spongeWidth
        let spongeIsFluid = (0..<height).allSatisfy { y in
            ((width - spongeWidth)..<width).allSatisfy { solid[y * width + $0] == 0 }
        }
        require(spongeIsFluid, "obstacles must stay out of the \(spongeWidth) sponge columns before the outlet")
        inflowEquilibrium = Self.equilibrium(density: 1, ux: inflowVelocity, uy: 0)
        spongeProfile = (0..<spongeWidth).map { x in
            let depth = Float(x + 1) / Float(spongeWidth)
            return 0.25 * depth * depth
        }
        nodeCount = width * height
        current = .allocate(capacity: 9 * nodeCount)
        next = .allocate(capacity: 9 * nodeCount)
        next.initialize(repeating: 0, count: 9 * nodeCount)

        var columns = [[Int32]](repeating: [], count: height)
        for y in 1..<(height - 1) {
            for x in 0..<width where x == 0 || x == width - 1 || Self.touchesSolid(solid, width, x, y) {
                columns[y].append(Int32(x))
            }
        }
        specialColumns = columns

        for y in 0..<height {
            for x in 0..<width {
                let node = y * width + x
                let (ux, uy) = solid[node] != 0 ? (Float(0), Float(0)) : initialVelocity(x, y)
                let feq = Self.equilibrium(density: 1, ux: ux, uy: uy)
                for i in 0..<9 { current[i * nodeCount + node] = feq[i] }
            }
        }
    }

    deinit {
        current.deallocate()
        next.deallocate()
    }

    /// Whether node (x, y) or one of its eight neighbours inside the lattice is solid.
    private static func touchesSolid(_ solid: [UInt8], _ width: Int, _ x: Int, _ y: Int) -> Bool {
        let height = solid.count / width
        for dy in -1...1 {
            for dx in -1...1 {
                let sx = x + dx, sy = y + dy
                if sx >= 0 && sx < width && sy >= 0 && sy < height && solid[sy * width + sx] != 0 { return true }
            }
        }
        return false
    }

    /// The second-order equilibrium populations for a density and velocity.
    public static func equilibrium(density rho: Float, ux: Float, uy: Float) -> [Float] {
        let usq = 1.5 * (ux * ux + uy * uy)
        return (0..<9).map { i in
            let cu = 3 * (Float(cx[i]) * ux + Float(cy[i]) * uy)
            return weights[i] * rho * (1 + cu + 0.5 * cu * cu - usq)
        }
    }

    // MARK: - Collision

    /// Regularised BGK relaxation of one node's populations (returns the post-collision populations).
    ///
    /// With moments ρ = Σf, ρu = Σ f c, the non-equilibrium stress Πⁿᵉ = Σ c c f − ρ(c_s² I + u u), its
    /// traceless part Πᵈ = Πⁿᵉ − ½ tr(Πⁿᵉ) I and the Hermite tensor Q_i = c_i c_i − c_s² I:
    /// f_i* = f_i^eq + (1 − 1/τ) · w_i/(2 c_s⁴) · Q_i : Πᵈ. Mass and momentum are conserved exactly (up
    /// to rounding).
    @inline(__always)
    static func relax(_ f0: Float, _ f1: Float, _ f2: Float, _ f3: Float, _ f4: Float, _ f5: Float,
                      _ f6: Float, _ f7: Float, _ f8: Float, keep k: Float)
        -> (Float, Float, Float, Float, Float, Float, Float, Float, Float) {
        let diagonal = f5 + f6 + f7 + f8
        let rho = f0 + f1 + f2 + f3 + f4 + diagonal
        let jx = f1 - f3 + f5 - f6 - f7 + f8
        let jy = f2 - f4 + f5 + f6 - f7 - f8
        let inverse = 1 / rho
        let ux = jx * inverse, uy = jy * inverse
        let uxx = ux * ux, uyy = uy * uy
        // Non-equilibrium second moments. The deviatoric part (shear) keeps the fraction (1 − 1/τ); the
        // trace (compression) relaxes fully to equilibrium, i.e. with τ_bulk = 1, which gives a bulk
        // viscosity far above the shear viscosity and damps the sound waves the impulsive start and the
        // shedding emit (they would otherwise bounce between inlet and outlet as faint stripes).
        let qxx = (f1 + f3 + diagonal) - rho * (1 / 3 + uxx)
        let qyy = (f2 + f4 + diagonal) - rho * (1 / 3 + uyy)
        let half = k * 0.5 * (qxx - qyy)
        let pxx = half, pyy = -half
        let pxy = k * ((f5 - f6 + f7 - f8) - rho * (ux * uy))
        let trace: Float = 0
        let n0 = trace * (-2 / 3)
        let n1 = pxx * (1 / 3) - pyy * (1 / 6)
        let n2 = pyy * (1 / 3) - pxx * (1 / 6)
        let n5 = trace * (1 / 12) + pxy * 0.25
        let n6 = trace * (1 / 12) - pxy * 0.25
        // Equilibrium: w ρ (1 + 3 c·u + 4.5 (c·u)² − 1.5 u²).
        let base = 1 - 1.5 * (uxx + uyy)
        let r1 = rho * (1 / 9), r5 = rho * (1 / 36)
        let s = ux + uy, d = ux - uy
        let e0 = rho * (4 / 9) * base
        let ax = base + 4.5 * uxx, ay = base + 4.5 * uyy
        let asum = base + 4.5 * s * s, adif = base + 4.5 * d * d
        let e1 = r1 * (ax + 3 * ux), e3 = r1 * (ax - 3 * ux)
        let e2 = r1 * (ay + 3 * uy), e4 = r1 * (ay - 3 * uy)
        let e5 = r5 * (asum + 3 * s), e7 = r5 * (asum - 3 * s)
        let e8 = r5 * (adif + 3 * d), e6 = r5 * (adif - 3 * d)
        return (e0 + n0, e1 + n1, e2 + n2, e3 + n1, e4 + n2, e5 + n5, e6 + n6, e7 + n5, e8 + n6)
    }

    // MARK: - Stepping

    /// Advances the lattice by `ticks` collide-and-stream steps.
    public func step(_ ticks: Int = 1) {
        for _ in 0..<ticks {
            let cur = current, out = next
            if parallelRows {
                Parallel.forChunks(height, minimumWork: 8_192, costPerItem: width) { rows in
                    for y in rows { self.updateRow(y, from: cur, into: out) }
                }
            } else {
                for y in 0..<height { updateRow(y, from: cur, into: out) }
            }
            swap(&current, &next)
            tickCount += 1
        }
    }

    /// Updates one row: the vectorisable bulk loop over 1..<width−1, then the special nodes.
    private func updateRow(_ y: Int, from a: UnsafeMutablePointer<Float>, into b: UnsafeMutablePointer<Float>) {
        if y == 0 || y == height - 1 {
            for x in 0..<width { updateNode(x, y, from: a, into: b) }
            absorb(y, into: b)
            return
        }
        let n = nodeCount, w = width, row = y * width
        let keep = 1 - 1 / relaxationTime
        // Pull streaming: population i at (x, y) comes from (x − c_ix, y − c_iy).
        let s0 = a + row, s1 = a + n + row - 1, s2 = a + 2 * n + row - w, s3 = a + 3 * n + row + 1
        let s4 = a + 4 * n + row + w, s5 = a + 5 * n + row - w - 1, s6 = a + 6 * n + row - w + 1
        let s7 = a + 7 * n + row + w + 1, s8 = a + 8 * n + row + w - 1
        let d0 = b + row, d1 = b + n + row, d2 = b + 2 * n + row, d3 = b + 3 * n + row
        let d4 = b + 4 * n + row, d5 = b + 5 * n + row, d6 = b + 6 * n + row
        let d7 = b + 7 * n + row, d8 = b + 8 * n + row
        for x in 1..<(w - 1) {
            let f = Self.relax(s0[x], s1[x], s2[x], s3[x], s4[x], s5[x], s6[x], s7[x], s8[x], keep: keep)
            d0[x] = f.0; d1[x] = f.1; d2[x] = f.2; d3[x] = f.3; d4[x] = f.4
            d5[x] = f.5; d6[x] = f.6; d7[x] = f.7; d8[x] = f.8
        }
        for x in specialColumns[y] { updateNode(Int(x), y, from: a, into: b) }
        absorb(y, into: b)
    }

    /// Relaxes the sponge columns before the outlet towards the inflow equilibrium, with a strength
    /// rising quadratically to 1/4 per tick at the last column; this absorbs sound waves and the wake
    /// before they reach (and reflect from) the outlet. Obstacles never reach into the sponge.
    @inline(__always)
    private func absorb(_ y: Int, into b: UnsafeMutablePointer<Float>) {
        guard spongeWidth > 0 && boundaries == .channel else { return }
        let first = y * width + width - spongeWidth
        spongeProfile.withUnsafeBufferPointer { sigma in
            for i in 0..<9 {
                let plane = b + i * nodeCount + first, target = inflowEquilibrium[i]
                for x in 0..<spongeWidth { plane[x] += sigma[x] * (target - plane[x]) }
            }
        }
    }

    /// The general update of one node, with every boundary rule.
    private func updateNode(_ x: Int, _ y: Int, from a: UnsafeMutablePointer<Float>,
                            into b: UnsafeMutablePointer<Float>) {
        let n = nodeCount, node = y * width + x
        if solid[node] != 0 {
            // Solid nodes hold rest equilibrium so that the bulk loop never reads garbage from them.
            for i in 0..<9 { b[i * n + node] = Self.weights[i] }
            return
        }
        if boundaries == .channel && x == 0 {
            let feq = Self.equilibrium(density: 1, ux: inflowVelocity, uy: 0)
            for i in 0..<9 { b[i * n + node] = feq[i] }
            return
        }
        var f: (Float, Float, Float, Float, Float, Float, Float, Float, Float) = (0, 0, 0, 0, 0, 0, 0, 0, 0)
        withUnsafeMutableBytes(of: &f) { raw in
            let g = raw.baseAddress!.assumingMemoryBound(to: Float.self)
            for i in 0..<9 { g[i] = pulled(i, x, y, from: a) }
        }
        let r = Self.relax(f.0, f.1, f.2, f.3, f.4, f.5, f.6, f.7, f.8, keep: 1 - 1 / relaxationTime)
        b[node] = r.0; b[n + node] = r.1; b[2 * n + node] = r.2; b[3 * n + node] = r.3
        b[4 * n + node] = r.4; b[5 * n + node] = r.5; b[6 * n + node] = r.6
        b[7 * n + node] = r.7; b[8 * n + node] = r.8
    }

    /// The population i arriving at fluid node (x, y) after streaming, with the boundary rules applied.
    @inline(__always)
    private func pulled(_ i: Int, _ x: Int, _ y: Int, from a: UnsafeMutablePointer<Float>) -> Float {
        let n = nodeCount
        var sx = x - Self.cx[i], sy = y - Self.cy[i], direction = i
        switch boundaries {
        case .periodic:
            sx = (sx + width) % width
            sy = (sy + height) % height
        case .channel:
            // Zero-gradient outlet: what would come from beyond the right edge equals what arrives at
            // the node before it, i.e. pull from the last column instead.
            if sx >= width { sx = width - 1 }
            if sx < 0 { sx = 0 }
            // Free-slip wall half a node beyond the edge: specular reflection of the population that
            // left (x − c_x, edge) towards the wall.
            if sy < 0 || sy >= height {
                sy = y
                direction = Self.mirrorY[i]
            }
        }
        let source = sy * width + sx
        if solid[source] != 0 {
            // Half-way bounce-back: the population that left this node towards the obstacle returns.
            return a[Self.opposite[i] * n + y * width + x]
        }
        return a[direction * n + source]
    }

    // MARK: - Observables

    /// Density and velocity at every node (row-major; zero velocity on solid nodes).
    public func macroscopic() -> (density: [Float], ux: [Float], uy: [Float]) {
        var rho = [Float](repeating: 0, count: nodeCount)
        var ux = rho, uy = rho
        let f = current, n = nodeCount
        for node in 0..<n where solid[node] == 0 {
            let f0 = f[node], f1 = f[n + node], f2 = f[2 * n + node], f3 = f[3 * n + node]
            let f4 = f[4 * n + node], f5 = f[5 * n + node], f6 = f[6 * n + node]
            let f7 = f[7 * n + node], f8 = f[8 * n + node]
            let r = f0 + f1 + f2 + f3 + f4 + f5 + f6 + f7 + f8
            rho[node] = r
            ux[node] = (f1 - f3 + f5 - f6 - f7 + f8) / r
            uy[node] = (f2 - f4 + f5 + f6 - f7 - f8) / r
        }
        return (rho, ux, uy)
    }

    /// Velocity at one node (zero on a solid node).
    public func velocity(x: Int, y: Int) -> (ux: Float, uy: Float) {
        let node = y * width + x, n = nodeCount, f = current
        guard solid[node] == 0 else { return (0, 0) }
        var rho: Float = 0, jx: Float = 0, jy: Float = 0
        for i in 0..<9 {
            let value = f[i * n + node]
            rho += value
            jx += Float(Self.cx[i]) * value
            jy += Float(Self.cy[i]) * value
        }
        return (jx / rho, jy / rho)
    }

    /// The vorticity ω = ∂u_y/∂x − ∂u_x/∂y at every node (central differences, one-sided at edges).
    public func vorticity() -> [Float] {
        let (_, ux, uy) = macroscopic()
        var omega = [Float](repeating: 0, count: nodeCount)
        for y in 0..<height {
            let ym = max(y - 1, 0), yp = min(y + 1, height - 1)
            for x in 0..<width {
                let xm = max(x - 1, 0), xp = min(x + 1, width - 1)
                let duy = (uy[y * width + xp] - uy[y * width + xm]) / Float(xp - xm)
                let dux = (ux[yp * width + x] - ux[ym * width + x]) / Float(yp - ym)
                omega[y * width + x] = duy - dux
            }
        }
        return omega
    }

    /// Total mass Σ f over fluid nodes (Double accumulation), for conservation checks.
    public func totalMass() -> Double {
        var sum = 0.0
        for node in 0..<nodeCount where solid[node] == 0 {
            for i in 0..<9 { sum += Double(current[i * nodeCount + node]) }
        }
        return sum
    }

    /// Whether every population is finite (a diverged run has NaN or infinities).
    public var isFinite: Bool {
        for j in 0..<(9 * nodeCount) where !current[j].isFinite { return false }
        return true
    }
}
