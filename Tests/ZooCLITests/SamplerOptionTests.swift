// `--sampler` of zoo sample / eval: parsing, validation against the model's N, and refusal for models
// without a sampler.
import ArgumentParser
import Foundation
import RVD
import Testing
@testable import ZooCLI
import ZooCore

@Suite struct SamplerOptionTests {
    @Test func parsesTheThreeForms() throws {
        #expect(try SamplerOptions.parse("ddpm") == .ddpm)
        #expect(try SamplerOptions.parse("ddim:50") == .ddim(steps: 50, eta: 0))
        #expect(try SamplerOptions.parse("DDIM:25:1") == .ddim(steps: 25, eta: 1))
        #expect(try SamplerOptions.parse("ddim:10:0.5") == .ddim(steps: 10, eta: 0.5))
    }

    @Test func rejectsMalformedValuesNamingTheFlag() {
        for bad in ["", "ddim", "ddim:", "ddim:0", "ddim:x", "ddim:5:-1", "ddim:5:1:2", "ddpm:10", "euler"] {
            do {
                _ = try SamplerOptions.parse(bad)
                Issue.record("--sampler \(bad) was accepted")
            } catch {
                #expect("\(error)".contains("--sampler"), "\(error)")
            }
        }
        #expect(throws: (any Error).self) { try Zoo.parseAsRoot(["eval", "--checkpoint", "x.h5", "--sampler", "ddim:0"]) }
    }

    @Test func appliesToDiffusionModelsOnly() throws {
        var rng = RandomGenerator(seed: 0)
        let rvd = try RVD.entry.make("tiny", &rng)
        let diffusion = try #require(rvd as? any DiffusionSampling)
        #expect(try SamplerOptions.parse([]).apply(to: rvd) == RVDConfig.tiny.sampler, "no flag: the config's sampler")
        #expect(try SamplerOptions.parse(["--sampler", "ddpm"]).apply(to: rvd) == .ddpm && diffusion.samplerSettings == .ddpm)
        let tooMany = try SamplerOptions.parse(["--sampler", "ddim:\(diffusion.diffusionStepCount + 1)"])
        #expect(throws: ValidationError.self) { try tooMany.apply(to: rvd) }
        #expect(diffusion.samplerSettings == .ddpm, "a refused choice leaves the sampler alone")
        let options = try SamplerOptions.parse(["--sampler", "ddim:4:1"])
        let copyLast = CopyLast(config: CopyLastConfig(contract: rvd.contract))
        do {
            try options.apply(to: copyLast)
            Issue.record("copy-last accepted --sampler")
        } catch {
            #expect("\(error)".contains("not a diffusion model"))
        }
    }
}
