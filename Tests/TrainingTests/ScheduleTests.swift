import Kernels
import Testing
import Training

@Suite struct ScheduleTests {
    // Hugging Face get_linear_schedule_with_warmup(peak 1e-3, warmup 10, total 110):
    // step 0 → 0, step 5 → 5e-4, step 10 → 1e-3, step 60 → 1e-3·(110−60)/100 = 5e-4, step 110 → 0.
    @Test func linearWithWarmup() {
        let s = LearningRateSchedule(kind: .linear, peak: 1e-3, warmupSteps: 10, totalSteps: 110)
        #expect(s.rate(at: 0) == 0)
        #expect(abs(s.rate(at: 5) - 5e-4) < 1e-15)
        #expect(abs(s.rate(at: 10) - 1e-3) < 1e-15)
        #expect(abs(s.rate(at: 60) - 5e-4) < 1e-15)
        #expect(s.rate(at: 110) == 0 && s.rate(at: 200) == 0)
    }

    // get_cosine_schedule_with_warmup: after warm-up, peak·½(1 + cos(π·progress)); halfway → peak/2.
    @Test func cosineAndConstant() {
        let cosine = LearningRateSchedule(kind: .cosine, peak: 2e-5, warmupSteps: 0, totalSteps: 100)
        #expect(cosine.rate(at: 0) == 2e-5)
        #expect(abs(cosine.rate(at: 50) - 1e-5) < 1e-18)
        #expect(abs(cosine.rate(at: 100)) < 1e-20)
        let constant = LearningRateSchedule(kind: .constant, peak: 3e-6, warmupSteps: 4, totalSteps: 100)
        #expect(constant.rate(at: 2) == 1.5e-6 && constant.rate(at: 90) == 3e-6)
    }

    // Tulu 3 / SmolTulu: warmup_ratio 0.03 of 1000 steps → ceil(30) = 30 warm-up steps.
    @Test func warmupFromRatio() {
        #expect(LearningRateSchedule.warmupSteps(ratio: 0.03, totalSteps: 1000) == 30)
        #expect(LearningRateSchedule.warmupSteps(ratio: 0.1, totalSteps: 15) == 2)
    }

    // clip_grad_norm_: ‖(3, 4)‖ = 5 → scaled by 1/(5 + 1e-6) to norm ≈ 1; a norm below the limit is untouched.
    @Test func globalNormClipping() {
        let g = FloatBuffer(count: 2)
        g[0] = 3; g[1] = 4
        #expect(GradientClipping.clip(g, maxNorm: 1) == 5)
        #expect(abs(g[0] - 0.6) < 1e-6 && abs(g[1] - 0.8) < 1e-6)
        g[0] = 0.3; g[1] = 0.4
        GradientClipping.clip(g, maxNorm: 1)
        #expect(g[0] == 0.3 && g[1] == 0.4)
    }

    // One AdamW step from zero moments moves each weight by lr·sign(g) (bias correction makes
    // m̂ = g and v̂ = g²), after decoupled decay p·(1 − lr·λ) on the decayed range only.
    @Test func adamWFirstStep() {
        let p = FloatBuffer(count: 3), g = FloatBuffer(count: 3)
        for i in 0..<3 { p[i] = 1; g[i] = [0.5, -2, 0.25][i] }
        let optimizer = AdamW(parameterCount: 3, decayedRanges: [0..<2], settings: .init(beta1: 0.9, beta2: 0.999, eps: 0, weightDecay: 0.1))
        optimizer.update(parameters: p, gradients: g, lr: 0.01)
        // p0: 1·(1 − 0.001) − 0.01 = 0.989; p1: 0.999 + 0.01 = 1.009; p2 (no decay): 1 − 0.01 = 0.99
        #expect(abs(p[0] - 0.989) < 1e-6 && abs(p[1] - 1.009) < 1e-6 && abs(p[2] - 0.99) < 1e-6)
        #expect(optimizer.step == 1)
    }
}
