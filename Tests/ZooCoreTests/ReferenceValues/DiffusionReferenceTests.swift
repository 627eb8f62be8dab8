// The samplers against an independent float64 implementation of the DDPM and DDIM papers
// (Tools/fixtures/diffusion_reference.py, written with numpy from the equations, into Fixtures/diffusion.json):
// the schedule tables, deterministic DDIM chains (η = 0, full and strided grids, with and without the x̂₀
// clamp), and single stochastic steps, whose noise the test re-draws from a copy of the generator.

import Foundation
import Testing
@testable import ZooCore
@testable import ZooNN
@testable import ZooTensor

/// One case of diffusion.json (the fields depend on `kind`: ddim_chain, ddpm_step or ddim_step).
struct DiffusionCase: Decodable, Sendable, CustomTestStringConvertible {
    var name: String
    var kind: String
    var schedule: String
    var steps: Int
    var betas: [Double]
    var alphas_cumprod: [Double]
    var clip: Double?
    var sampler_steps: Int?
    var eta: Double?
    var timesteps: [Int]?
    var x_start: FixtureTensor?
    var chain: [FixtureTensor]?
    var t: Int?
    var index: Int?
    var x: FixtureTensor?
    var model_output: FixtureTensor?
    var x0: FixtureTensor?
    var mean: FixtureTensor?
    var std: Double?

    var testDescription: String { name }

    var noiseSchedule: NoiseSchedule {
        schedule == "cosine" ? .cosine(steps: steps) : .linear(steps: steps)
    }
}

private struct DiffusionFile: Decodable { var cases: [DiffusionCase] }

private let diffusionCases: [DiffusionCase] = {
    let url = Bundle.module.url(forResource: "Fixtures", withExtension: nil)!.appendingPathComponent("diffusion.json")
    do {
        return try JSONDecoder().decode(DiffusionFile.self, from: Data(contentsOf: url)).cases
    } catch {
        fatalError("cannot read fixture \(url.path): \(error)")
    }
}()

/// max |a − r| / max(|r|, 1e-3): relative where the reference is not tiny.
private func worst(_ a: [Float], _ r: [Double]) -> Double {
    zip(a, r).map { Swift.abs(Double($0) - $1) / Swift.max(Swift.abs($1), 1e-3) }.max() ?? 0
}

@Suite struct DiffusionReference {
    @Test func casesArePresent() {
        #expect(diffusionCases.filter { $0.kind == "ddim_chain" }.count == 3)
        #expect(diffusionCases.filter { $0.kind == "ddpm_step" }.count == 4)
        #expect(diffusionCases.filter { $0.kind == "ddim_step" }.count == 2)
    }

    @Test(arguments: diffusionCases)
    func scheduleTablesMatchTheIndependentOnes(c: DiffusionCase) {
        let s = c.noiseSchedule
        #expect(s.stepCount == c.steps)
        #expect(worst(s.betas, c.betas) < 1e-6, "betas")
        #expect(worst(s.alphasCumprod, c.alphas_cumprod) < 1e-6, "alphas_cumprod")
    }

    /// DDIM with η = 0 is deterministic: the whole chain from the fixture's x_T must follow the reference.
    @Test(arguments: diffusionCases.filter { $0.kind == "ddim_chain" })
    func ddimChainMatchesTheIndependentImplementation(c: DiffusionCase) throws {
        let sampler = DDIMSampler(schedule: c.noiseSchedule, steps: try #require(c.sampler_steps), eta: 0,
                                  clip: c.clip.map { Float($0) })
        #expect(sampler.timesteps == c.timesteps)
        let chain = try #require(c.chain)
        var x = try #require(c.x_start).tensor
        var rng = RandomGenerator(seed: 1)
        for (i, t) in sampler.timesteps.enumerated() {
            x = sampler.step(modelOutput: 0.5 * x, index: i, sample: x, rng: &rng)
            let error = worst(x.scalars, chain[i].data)
            #expect(error < 2e-5, "step \(i) (t = \(t)): error \(error)")
        }
    }

    /// One ancestral step: x̂₀ (clamped), the posterior mean, and the noise scale. The noise is re-drawn
    /// from a copy of the generator the step used, so out − std·z must be the reference mean.
    @Test(arguments: diffusionCases.filter { $0.kind == "ddpm_step" })
    func ddpmStepMatchesThePosterior(c: DiffusionCase) throws {
        let sampler = DDPMSampler(schedule: c.noiseSchedule, clip: c.clip.map { Float($0) })
        let t = try #require(c.t), x = try #require(c.x).tensor, eps = try #require(c.model_output).tensor
        let index = try #require(sampler.timesteps.firstIndex(of: t))
        #expect(worst(sampler.predictedX0(modelOutput: eps, sample: x, t: t).scalars, try #require(c.x0).data) < 1e-5)
        try expectStep(sampler, c, index: index, x: x, eps: eps)
    }

    /// One stochastic DDIM step (η > 0) on the strided grid.
    @Test(arguments: diffusionCases.filter { $0.kind == "ddim_step" })
    func ddimStepMatchesEquationTwelve(c: DiffusionCase) throws {
        let sampler = DDIMSampler(schedule: c.noiseSchedule, steps: try #require(c.sampler_steps), eta: try #require(c.eta),
                                  clip: c.clip.map { Float($0) })
        #expect(sampler.timesteps == c.timesteps)
        try expectStep(sampler, c, index: try #require(c.index), x: try #require(c.x).tensor,
                       eps: try #require(c.model_output).tensor)
    }

    private func expectStep(_ sampler: any Sampler, _ c: DiffusionCase, index: Int, x: Tensor, eps: Tensor) throws {
        var rng = RandomGenerator(seed: 17)
        var copy = rng
        let out = sampler.step(modelOutput: eps, index: index, sample: x, rng: &rng)
        let std = try #require(c.std)
        let mean = try #require(c.mean)
        let z = NoiseSchedule.noise(x.shape, rng: &copy)
        let recovered = out - Float(std) * z
        let error = worst(recovered.scalars, mean.data)
        #expect(error < 2e-5, "mean error \(error)")
        // A wrong noise scale shows: with the noise scaled by 1.01 the mean is off by 1% of std·z.
        if std > 0 {
            #expect(worst((out - Float(std * 1.01) * z).scalars, mean.data) > 1e-3)
        } else {
            #expect(out.scalars == recovered.scalars)
        }
    }
}
