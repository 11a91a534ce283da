/** OBP's standard estimator names. */
export type StandardEstimatorName = "dm" | "ipw" | "snipw" | "dr" | "sndr" | "switch-dr" | "dr-os" | "sg-ipw" | "sg-dr" | "rm";
/** OBP 0.5.7's embedding estimators (large action spaces; need actionEmbed, pEA, nCatPerDim, piB). */
export type EmbedEstimatorName = "mipw" | "snmipw";
/** OBP 0.5.7's multiple-logger estimators (need stratumIdx, and pscoreAvg for the balanced ones). */
export type MultiEstimatorName = "multi_ipw" | "multi_bal_ipw" | "multi_weighted_ipw" | "multi_dr" | "multi_bal_dr" | "multi_weighted_dr";
/** Every estimator that takes a BanditInput. */
export type EstimatorName = StandardEstimatorName | EmbedEstimatorName | MultiEstimatorName;
/** Slate estimator names (OBP's plus the pseudoinverse `pi`). */
export type SlateEstimatorName = "sips" | "iips" | "rips" | "snsips" | "sniips" | "snrips" | "cascade-dr" | "pi";
type Floats = Float64Array | ArrayLike<number>;
type Indices = Int32Array | Uint32Array | ArrayLike<number>;

/** The arrays of a `BanditData.allocate` handle: views of Wasm memory to fill in place (see `views()`). */
export interface BanditDataViews {
  reward: Float64Array;
  action: Uint32Array;
  pscore: Float64Array;
  actionDist: Float64Array;
  /** With `lenList > 1`. */
  position?: Uint32Array;
  /** With `rewardModel: true`. */
  estimatedRewardsByRegModel?: Float64Array;
}

/** Logged bandit feedback plus the evaluation policy (OBP's names in camelCase). */
export interface BanditInput {
  /** Observed reward per round. */
  reward: Floats;
  /** Logged action per round, in 0..nActions. */
  action: Indices;
  /** Logging policy's probability of the logged action (at the logged position), in (0, 1]. */
  pscore: Floats;
  /** Position per round in 0..lenList (required when lenList > 1). */
  position?: Indices;
  /** Evaluation policy π_e(a | x_i, k), flat row-major n × nActions × lenList (OBP's action_dist). */
  actionDist: Floats;
  /** Reward model q̂(x_i, a, k), flat n × nActions × lenList; needed by dm, dr, sndr, switch-dr, dr-os, sg-dr. */
  estimatedRewardsByRegModel?: Floats;
  /** Logging policy over all actions, flat n × nActions × lenList (OBP's pi_b); used by diagnostics. */
  piB?: Floats;
  nActions: number;
  /** Number of positions; default 1. */
  lenList?: number;
  /** Optional; must equal reward.length when given. */
  nRounds?: number;
  /** mipw, snmipw: the logged action's embedding per round, flat nRounds × dimEmbed (OBP's action_embed). */
  actionEmbed?: Indices;
  /** mipw, snmipw: p(e_d = c | a), flat nActions × nCatPerDim × dimEmbed (OBP's p_e_a). */
  pEA?: Floats;
  /** mipw, snmipw: categories per embedding dimension. */
  nCatPerDim?: number;
  /** multi_*: the logger (stratum) of each round, 0..K with every stratum present. */
  stratumIdx?: Indices;
  /** multi_bal_*: the propensity of the mixture of loggers (OBP's pscore_avg); `pscore` is each round's own logger's. */
  pscoreAvg?: Floats;
  /** Accepted and ignored, so that OBP-shaped objects pass. */
  context?: unknown;
  actionContext?: unknown;
}

/** OBP's lambda_: clipping (ipw, dr), switching threshold (switch-dr), shrinkage (dr-os) or sub-Gaussian λ ∈ [0, 1] (sg-*). */
export type EstimatorParams = { lambda?: number } | TuningParams;
/** The estimators whose λ can be tuned (OBP's *Tuning classes). */
export type TunableEstimatorName = "ipw" | "dr" | "switch-dr" | "dr-os" | "sg-ipw" | "sg-dr";
/** Tune λ on the data as OBP's *Tuning estimators do: SLOPE (default) or the estimated MSE. `lambdas` may contain Infinity (not for sg-*). */
export interface TuningParams { lambdas: number[]; tuningMethod?: "slope" | "mse"; useBiasUpperBound?: boolean; delta?: number }
export interface TuneResult {
  /** OBP's best_hyperparam. */
  bestLambda: number;
  /** The candidates, sorted as OBP sorts them (descending for ipw, dr, switch-dr; ascending otherwise). */
  lambdas: number[];
  /** OBP's estimated_mse_score_dict, in `lambdas` order (tuningMethod "mse"). */
  estimatedMseScores?: number[];
  /** SLOPE's estimate and confidence width per candidate (tuningMethod "slope"). */
  slope?: { theta: number[]; cnf: number[] };
  /** The estimate at bestLambda. */
  estimate: number;
}

export interface IntervalOptions {
  /** Significance level; default 0.05 (a 95% interval). */
  alpha?: number;
  /** Bootstrap resamples; default 10000. */
  nBootstrapSamples?: number;
  /** Seed; without it the bootstrap draws a fresh seed. */
  randomState?: number;
  /**
   * "bootstrap" (default): resample rounds and recompute the estimator (self-normalized estimators include the
   * normalizer's variance); "obp-bootstrap": OBP 0.5.7's procedure; "normal": delta-method CLT interval;
   * "bernstein": empirical Bernstein bound (standard estimators).
   */
  method?: "bootstrap" | "obp-bootstrap" | "normal" | "bernstein";
  /** A-priori range of the per-round values for "bernstein"; default: the observed range. */
  valueRange?: [number, number];
}

export interface IntervalResult {
  /** Mean of the bootstrap estimates (OBP's convention), or the point estimate for the other methods. */
  mean: number;
  lower: number;
  upper: number;
  /** The point estimate on the full data. */
  estimate: number;
  method: string;
  alpha: number;
  /** Bootstrap resamples on which a self-normalized estimator was undefined (every weight 0: 0/0), left out. */
  degenerateResamples: number;
}

export interface EstimateDiagnostics {
  estimatorName: StandardEstimatorName;
  lambda?: number;
  nRounds: number;
  /** (Σw)² / Σw² of the weights the estimator uses. */
  effectiveSampleSize: number;
  essRatio: number;
  meanWeight: number;
  maxWeight: number;
  zeroWeightShare: number;
  /** Mean of π_e/pscore: ≈ 1 when the logger covers the target's support. */
  meanRawWeight: number;
  meanRawWeightSe: number;
  /** Exact target mass outside the logger's support (needs piB). */
  unsupportedMass?: number;
  massOnUnloggedActions: number;
  supportViolation: boolean;
  /** Why an estimate is NaN or uninformative, and other findings. */
  warnings: string[];
}

export interface SummaryRow {
  estimatorName: StandardEstimatorName;
  lambda?: number;
  estimate: number;
  lower: number;
  upper: number;
  method: string;
  relativeEe?: number;
  squaredError?: number;
  effectiveSampleSize: number;
  supportViolation: boolean;
  warnings: string[];
}

export interface StreamingState {
  estimatorName: StandardEstimatorName;
  lambda?: number;
  moments: { n: number; mean: [number, number, number]; comoment: number[][] };
}

/** Slot-level slate feedback (OBP's names in camelCase); each estimator reads the arrays it needs. */
export interface SlateInput {
  slateId: Indices;
  position: Indices;
  reward: Floats;
  lenList: number;
  pscore?: Floats;
  evaluationPolicyPscore?: Floats;
  pscoreItemPosition?: Floats;
  evaluationPolicyPscoreItemPosition?: Floats;
  pscoreCascade?: Floats;
  evaluationPolicyPscoreCascade?: Floats;
  /** Item of each slot (cascade-dr, pi). */
  action?: Indices;
  nUniqueAction?: number;
  /** cascade-dr: reward model q̂ₖ(x, logged items above, a): the expected reward from slot k to the end of the list (what Cascade-DR needs to be doubly robust; `log.slateInput(target, { rewardModel })` gives the exact one or a fitted one), flat nSlates × lenList × nUniqueAction. */
  qHat?: Floats;
  /** cascade-dr: π_e(a | x, logged prefix) per position, flat nSlates × lenList × nUniqueAction. */
  evaluationPolicyActionDist?: Floats;
  /** pi: π_e's marginal probability of each item at each position, flat nSlates × lenList × nUniqueAction. */
  evaluationPolicyItemPositionDist?: Floats;
  /** The number of slates (checked: nRounds × lenList slots). */
  nRounds?: number;
}

/** Signals a world produces; any of them can be the reward. */
export type SignalName = "click" | "stream" | "skip" | "dwell" | "save" | "thumbsUp" | "thumbsDown" | "revenue";

/** World config: every key optional; unknown keys and out-of-range values throw. */
export interface WorldConfig {
  seed?: number;
  nUsers?: number;            // 1000
  nItems?: number;            // 200
  nTopics?: number;           // 8
  nCreators?: number;         // 50
  nFeatures?: number;         // 4 visible user features
  popularitySkew?: number;    // 1.0, Zipf exponent of item popularity
  popularityEffect?: number;  // 0.4, logit effect of popularity on liking
  tasteStrength?: number;     // 1.5
  noise?: number;             // 0.5
  baseClickRate?: number;     // 0.1, average probability of liking
  userActivitySkew?: number;  // 0, Zipf exponent of user activity
  featureNoise?: number;      // 0.5
  markets?: { name?: string; userShare: number; itemShare: number }[];
  languagePenalty?: number;   // 2.0
  positionBias?: { model?: "pbm" | "cascade"; eta?: number };
  intent?: { samplingShare?: number; tasteLink?: number; declaredShare?: number };
  ratings?: { rate?: number; mnar?: number };
  reward?: SignalName;        // "click"
}

/** Where a policy's scores come from. */
export type ScoreConfig =
  | "relevance" | "popularity" | "noise" | `model:${string}`
  | { relevance?: number; popularity?: number; noise?: number; noiseSeed?: number; model?: string; modelWeight?: number };

/** A policy (toy recommender). */
export type PolicyConfig =
  | { kind: "uniform" }
  | { kind: "softmax"; beta: number; score?: ScoreConfig }
  | { kind: "greedy"; score?: ScoreConfig }
  | { kind: "top-k"; /** default: 10, or every item of a smaller catalog */ k?: number; score?: ScoreConfig }
  | { kind: "popularity"; power?: number }
  | { kind: "epsilon-greedy"; epsilon: number; base: PolicyConfig }
  | { kind: "mixture"; components: { weight: number; policy: PolicyConfig }[] }
  | { kind: "thompson"; batchSize?: number; nSamples?: number; priorAlpha?: number; priorBeta?: number };

export interface CollectOptions { nRounds: number; seed?: number; lenList?: number; reward?: SignalName }

export type RewardModelConfig =
  | { kind?: "true"; misspecification?: number; bias?: number; noise?: number; seed?: number }
  | { kind: "tabular"; smoothing?: number; nFolds?: number; foldSeed?: number }
  | { kind: "ridge"; lambda?: number; nFolds?: number; foldSeed?: number };
/** `nFolds` > 1 cross-fits a model fitted on the log (OBP's fit_predict(n_folds)): each round's q̂ comes from a model fitted on the other folds. */

export type RecommenderConfig =
  | { kind?: "mf"; factors?: number; epochs?: number; learningRate?: number; regularization?: number; weighting?: "none" | "ipw"; clip?: number; seed?: number }
  | { kind: "item-knn"; neighbors?: number; weighting?: "none" | "ipw"; clip?: number }
  | { kind: "ridge"; lambda?: number };

export interface LabScenario {
  logger: PolicyConfig;
  target: PolicyConfig;
  nRounds?: number;            // 10000
  replicates?: number;         // 100
  seed?: number;
  /** Names (or "naive"), or { estimatorName, lambda, component, label }. */
  estimators?: Array<StandardEstimatorName | "naive" | { estimatorName: StandardEstimatorName | "naive"; lambda?: number; component?: number; label?: string }>;
  rewardModel?: RewardModelConfig;
  alpha?: number;
  /** 0 (default): normal intervals; otherwise bootstrap resamples per interval. */
  nBootstrapSamples?: number;
  reward?: SignalName;
}

export interface LabReplicate {
  index: number;
  estimates: { value: number; lower: number; upper: number; n: number }[];
  ess: number;
  maxWeight: number;
}

export interface LabSummary {
  label: string;
  estimatorName: string;
  lambda?: number;
  component?: number;
  /** Replicates on which the estimator failed (NaN): left out of mean, sd and RMSE, counted as coverage misses. */
  failed: number;
  mean: number;
  bias: number;
  sd: number;
  rmse: number;
  coverage: number;
  meanWidth: number;
  meanSe: number;
}
