/** OBP's standard estimator names. */
export type StandardEstimatorName = "dm" | "ipw" | "snipw" | "dr" | "sndr" | "switch-dr" | "dr-os" | "sg-ipw" | "sg-dr" | "rm";
/** Slate estimator names (OBP's plus the pseudoinverse `pi`). */
export type SlateEstimatorName = "sips" | "iips" | "rips" | "snsips" | "sniips" | "snrips" | "cascade-dr" | "pi";
type Floats = Float64Array | ArrayLike<number>;
type Indices = Int32Array | Uint32Array | ArrayLike<number>;

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
  /** Accepted and ignored, so that OBP-shaped objects pass. */
  context?: unknown;
  actionContext?: unknown;
}

/** OBP's lambda_: clipping (ipw, dr), switching threshold (switch-dr), shrinkage (dr-os) or sub-Gaussian λ ∈ [0, 1] (sg-*). */
export interface EstimatorParams { lambda?: number }

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
  /** cascade-dr: reward model, flat nSlates × lenList × nUniqueAction. */
  qHat?: Floats;
  /** cascade-dr: π_e(a | x, logged prefix) per position, flat nSlates × lenList × nUniqueAction. */
  evaluationPolicyActionDist?: Floats;
  /** pi: π_e's marginal probability of each item at each position, flat nSlates × lenList × nUniqueAction. */
  evaluationPolicyItemPositionDist?: Floats;
  nRounds?: number;
}
