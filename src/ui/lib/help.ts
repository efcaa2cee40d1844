// The lab's tooltips: what each knob does, and what the paper used. One place, so the page and its
// tests read the same words.

import { BEHAVIOR_DESCRIPTIONS, CONDITION_DESCRIPTIONS } from '../../behaviors/types';

export const HELP = {
  experimentPreset:
    'Loads a whole experiment into every knob below: the starting model, the problems and the PPO settings, as `habits-lab train --preset NAME` does (your backend stays). classroom: 50 PPO steps on the shipped backtracking_verification model on the replication problems, which lift its held-out accuracy by about 15 points in a few minutes (start from empty_cot instead to see a direct answerer stay put). smoke: seconds, for checking the lab works. Change any knob afterwards; "your own settings" forgets what the preset set beyond the knobs.',
  hidden:
    'Settings this experiment has that the knobs above do not show (the folded PPO settings among them), shown so that nothing is hidden: they come from the page defaults, or from the preset or shared link you loaded.',
  start:
    'Where the model starts. The paper primes a base model with a short fine-tune (SFT) on reasoning traces before RL. "Prime a model now" fine-tunes the shipped base model here (it knows arithmetic but no habits; a fresh model if none is installed); a shipped primed model starts from its checkpoint at once.',
  condition:
    'What the priming traces contain. The paper found that traces with the four habits unlock RL, even when every final answer is wrong, and that empty or dotted reasoning does not.',
  examples:
    'How many priming traces to fine-tune on. The paper used about 1,000 for a 3B model; the shipped nano models were primed on 16,000 (80 per problem, 200 problems).',
  problems:
    'How many different training problems the priming traces are written for; each gets traces of its own searches. The paper primed on about 1,000 problems of a space of millions. The easy world has only 689 training problems, and priming on all of them teaches empty_cot the direct answers of the whole world, so the shipped nano models were primed on 200.',
  primeEpochs:
    'Passes over the priming traces. The paper used 5 epochs (learning rate 1e-5 for a 3B model; tiny models need a far larger rate); the shipped nano models were primed for 8, the last 2 at a tenth of the rate.',
  size: 'Model size. nano (~0.12M parameters) trains fastest; micro (~0.85M) and mini (~4.8M) learn more but need a GPU to be quick.',
  preset:
    "Which Countdown problems. easy: 3 numbers from 1-10 (for tiny models); paper: 3-4 numbers from 1-24, target 10-25 (the paper's priming problems); tinyzero: 3-4 numbers up to 99.",
  steps:
    'How many PPO steps. Each step samples responses, scores them, and updates the model once per minibatch. The paper ran 250 steps.',
  promptsPerStep: 'Problems per PPO step. The paper used 256.',
  samplesPerPrompt: 'Responses sampled per problem (at temperature 1). The paper used 4.',
  lr: 'Learning rate for PPO. The paper used 1e-6 for a 3B-parameter actor; the nano models here learn best at about 3e-4, and at 1e-3 and above the searching models collapse to short, wrong answers.',
  klCoef:
    'How strongly the reward penalizes drifting from the primed model (the KL penalty). The paper used 0.001.',
  advantage:
    'How each token is credited. gae: a value head estimates the expected reward and advantages come from generalized advantage estimation (gamma 1, lambda 1, as in the paper). group: each response is compared with the others for the same problem (GRPO-style).',
  maxNewTokens:
    'Token budget for a response. A response cut by the budget loses its answer and scores 0 (the paper saw this grow late in RL).',
  rewardMode:
    "strict: integers, + - * / and parentheses, exact arithmetic (the lab's default). tinyzero: TinyZero's reward exactly, with Python's arithmetic (powers, floor division, decimals).",
  temperature:
    'Sampling temperature of the responses PPO learns from (1 samples the model as it is, as the paper did).',
  klEstimator:
    'How the KL penalty estimates the drift from the primed model per token. k1: log p - log p_ref. k3: an unbiased estimate that is never negative.',
  gamma:
    'GAE discount per token (gae only). 1, as in the paper: the reward at the end counts as much for the first token as for the last.',
  lambda:
    'GAE lambda (gae only): 1 credits each token with the whole return, lower values lean on the value head.',
  normalizeAdvantages:
    'Whiten the GAE advantages of a step (zero mean, unit spread) before the update (gae only).',
  clip: "PPO's clip range: how far one update may move a token's probability ratio from 1.",
  valueClip: "How far one update may move the value head's estimate (gae only).",
  valueCoef: "Weight of the value head's loss beside the policy loss (gae only).",
  entropyCoef: 'Weight of the entropy bonus, which keeps sampling varied.',
  rolloutEngine:
    "What samples the rollouts: onnxruntime (the fast inference engine, fed the policy's weights after every update), the lab's own tfjs sampler (the reference), or auto: onnxruntime where it measured faster (the command line, and this page on wasm: onnxruntime-web), else tfjs (this page on WebGPU, where no GPU could be measured).",
  gradClip:
    'Largest norm of the gradient of an update; larger gradients are scaled down to it (0: no clipping).',
  epochs: 'Passes over the responses of a step, each split into minibatches, each one update.',
  minibatches: 'Updates per PPO epoch: the responses of a step are split into this many minibatches.',
  formatScore:
    'Reward for a response with a well-formed answer that is wrong, as in TinyZero (a correct one scores 1, one without an answer 0).',
  seed: 'Every random choice in a run comes from this seed: the same seed gives the same curves.',
  backend: 'Where the math runs: WebGPU (your GPU) first, then WebGL, WebAssembly, plain JavaScript.',
  accuracy:
    'Share of responses whose answer is correct. "eval" uses held-out problems the model never trains on.',
  behaviors:
    'Average count per response of each habit, as the paper measured it (a classifier reads every response).',
  overlay:
    "Tick runs to draw their curves on the charts too: compare all_strategies with empty_cot, the paper's figure, live.",
  paper:
    "The paper's experiment in miniature: models primed with each condition get the same PPO budget, seed and test problems. The paper (Llama-3.2-3B): all_strategies 35% → 74%, incorrect 28% → 74%, empty_cot 6% → 41%, dots 11% → 38% after 250 steps. Here each runs for the Steps set below with the replication's PPO settings. At 250 steps (the replication's budget, as the paper's; about 22 minutes for all five on one core of a 2-core CPU, in Node or in this page) the two searchers that check their work gain 23-26 points and the direct answerers at most 4; at 50 steps the two searchers are already 17-21 points ahead. The runs go searcher first, then a direct answerer, so at 50 steps on one core of such a CPU (wasm, timed in Chromium) this page shows the first gap after about 1.5 minutes and all four runs of the contrast after about 4; incorrect runs last. As in the paper, the model primed on wrong answers (incorrect: the same searches, every answer wrong) starts lowest and catches up with all_strategies: about 30% at 50 steps, level with it by 250; docs/REPLICATION.md gives the lab's measured numbers. `habits-lab replicate` runs all seven conditions over three seeds.",
  survey:
    'Before any RL, the paper asked which base models already show the four habits: Qwen-2.5-3B did (and then improved with RL), Llama-3.2-3B hardly did (and stalled). A survey samples K responses to M problems from a model and counts the habits in each.',
  surveyModel:
    'The model to survey: a shipped model (already on this site), one of your runs or imported checkpoints (converted to ONNX here, in your browser), or a Hugging Face model id (downloaded only after you confirm).',
  surveyProblems: 'M: how many Countdown problems (held-out test problems of the chosen preset).',
  surveySamples: 'K: responses sampled per problem, at temperature 1 like the paper.',
  surveyTokens: 'Most tokens per response. Real models write long searches; tiny lab models need about 200.',
  hubModel:
    'A text-generation model on the Hugging Face Hub with ONNX weights (for example onnx-community/Qwen2.5-0.5B-Instruct). Instruct models get their chat template. The files are downloaded once and cached by the browser.',
  hubDtype:
    'Which ONNX weights to download: q4 and q8 are quantized (smaller and faster), fp16 and fp32 are full precision.',
};

export const CONDITION_HELP = CONDITION_DESCRIPTIONS;
export const BEHAVIOR_HELP = BEHAVIOR_DESCRIPTIONS;
