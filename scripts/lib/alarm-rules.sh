# shellcheck shell=bash
# monitor.sh's judge: every metric check is judged by the rule of the CloudWatch alarm on that metric
# in the synthesized stack, read over the periods that alarm evaluates, so that a check and its alarm
# cannot disagree. Source it after common.sh; it defines functions and runs nothing else. It reads
#   MANIFEST       the manifest of the stack being checked (scripts/lib/stack-manifest.js)
#   WARN_FRACTION  the share of a high threshold from which a figure is WARN

# ------------------------------------------------------------ arithmetic --
calc() { awk "BEGIN { printf \"%.${2:-2}f\", ($1) }"; }
max_of() { awk 'BEGIN { m = "" } { if (m == "" || $1 > m) m = $1 } END { print m }'; }
sum_of() { awk '{ s += $1 } END { printf "%g\n", s + 0 }'; }
# minutes SECONDS: 300 -> 5
minutes() { awk -v s="$1" 'BEGIN { printf "%g", s / 60 }'; }

# ------------------------------------------------------------ alarm rules --
# load_rule METRIC NAME=VALUE... finds the alerting alarm (manifest "alarm" line of role alert, not a
# deployment rollback guard) on METRIC whose dimensions include every NAME=VALUE, and sets
# rule_threshold, rule_comparison, rule_stat, rule_period, rule_evaluation (periods),
# rule_datapoints (to alarm), rule_missing (treat missing data) and rule_range (the seconds the
# alarm evaluates); it fails when the stack has no such alarm.
load_rule() {
  local metric="$1" line
  shift
  line="$(awk -F'\t' -v metric="$metric" -v wanted="$*" '
    $1 == "alarm" && $2 == metric && $12 == "alert" {
      n = split(wanted, pairs, " ")
      for (i = 1; i <= n; i++) if (index("," $11 ",", "," pairs[i] ",") == 0) next
      print
      found = 1
      exit
    }
    END { exit !found }' <<<"$MANIFEST")" || return 1
  # shellcheck disable=SC2034  # the rule_* variables are read by the checks of monitor.sh
  IFS=$'\t' read -r _ _ _ rule_threshold rule_comparison rule_stat rule_period rule_evaluation rule_datapoints rule_missing _ _ <<<"$line"
  rule_range=$((rule_period * rule_evaluation))
}

no_alarm() { printf 'the synthesized stack has no alarm on %s for it: nothing to judge by' "$1"; }

# judge PERIODS DATAPOINTS_TO_ALARM: the alarm's verdict (threshold and comparison from load_rule) on
# the datapoints of PERIODS periods, one value per line on stdin; prints "STATUS BREACHING PRESENT".
# CRIT: at least DATAPOINTS_TO_ALARM periods breach, a period without a datapoint counting as one
# when the alarm treats missing data as breaching (CloudWatch's "M out of N"). WARN: a period
# breaches but too few do, or, for a high threshold, a datapoint reaches WARN_FRACTION of it.
judge() {
  awk -v n="$1" -v m="$2" -v t="$rule_threshold" -v op="$rule_comparison" -v missing="$rule_missing" -v f="$WARN_FRACTION" '
    function breaches(v) {
      if (op == "GreaterThanThreshold") return v > t
      if (op == "GreaterThanOrEqualToThreshold") return v >= t
      if (op == "LessThanThreshold") return v < t
      if (op == "LessThanOrEqualToThreshold") return v <= t
      return 0
    }
    NF {
      present++
      if (breaches($1)) breaching++
      else if (op ~ /^GreaterThan/ && t > 0 && $1 >= t * f) near = 1
    }
    END {
      gaps = n - present
      if (gaps < 0) gaps = 0
      counted = breaching + (missing == "breaching" ? gaps : 0)
      status = counted >= m ? "CRIT" : (breaching > 0 || near) ? "WARN" : "OK"
      printf "%s %d %d\n", status, breaching, present
    }'
}

# ------------------------------------------------------------- AWS access --
epoch_to_iso() { date -u -d "@$1" +%Y-%m-%dT%H:%M:%SZ 2>/dev/null || date -u -r "$1" +%Y-%m-%dT%H:%M:%SZ; }
NOW="$(date -u +%s)"
END_TIME="$(epoch_to_iso "$NOW")"

# metric_statistics REGION NAMESPACE METRIC STAT PERIOD SECONDS QUERY DIMENSION=VALUE...: the raw
# text answer of get-metric-statistics over the last SECONDS, or fails. STAT may be a percentile (p99).
metric_statistics() {
  local region="$1" namespace="$2" metric="$3" stat="$4" period="$5" range="$6" query="$7"
  shift 7
  local dims=() pair statistic_args
  for pair in "$@"; do dims+=("Name=${pair%%=*},Value=${pair#*=}"); done
  if [[ "$stat" =~ ^p[0-9] ]]; then
    statistic_args=(--extended-statistics "$stat")
    query="${query//@/ExtendedStatistics.\"$stat\"}"
  else
    statistic_args=(--statistics "$stat")
    query="${query//@/$stat}"
  fi
  daml_aws cloudwatch get-metric-statistics --region "$region" --namespace "$namespace" --metric-name "$metric" \
    --dimensions "${dims[@]}" --start-time "$(epoch_to_iso $((NOW - range)))" --end-time "$END_TIME" --period "$period" \
    "${statistic_args[@]}" --query "$query" --output text
}

# datapoints REGION NAMESPACE METRIC STAT PERIOD SECONDS DIMENSION=VALUE...: one value per line (none
# when CloudWatch has no datapoints); fails when the call fails.
datapoints() {
  local out
  out="$(metric_statistics "$1" "$2" "$3" "$4" "$5" "$6" 'Datapoints[].@' "${@:7}")" || return 1
  printf '%s\n' "$out" | tr -s '\t ' '\n' | grep -E '^-?[0-9.]+(e[-+]?[0-9]+)?$' || true
}

# timed_datapoints ...: as datapoints, one "TIMESTAMP VALUE" line per period.
timed_datapoints() {
  local out
  out="$(metric_statistics "$1" "$2" "$3" "$4" "$5" "$6" 'Datapoints[].[Timestamp, @]' "${@:7}")" || return 1
  printf '%s\n' "$out" | awk 'NF == 2 && $2 ~ /^-?[0-9.]+(e[-+]?[0-9]+)?$/ { print $1, $2 }'
}

# rule_values REGION NAMESPACE METRIC DIMENSION=VALUE...: the metric as the loaded alarm reads it (its
# statistic and period, over the periods it evaluates).
rule_values() { datapoints "$1" "$2" "$3" "$rule_stat" "$rule_period" "$rule_range" "${@:4}"; }

# ratio_per_period NUMERATOR DENOMINATOR ("TIMESTAMP VALUE" lines): FILL(numerator, 0) / denominator
# per period, as the alarm's metric math computes it; a period with a zero denominator has no value.
ratio_per_period() {
  printf '%s\n--\n%s\n' "$1" "$2" | awk '
    $0 == "--" { denominators = 1; next }
    !denominators { if (NF == 2) numerator[$1] = $2; next }
    NF == 2 && $2 > 0 { printf "%.6f\n", (($1 in numerator) ? numerator[$1] : 0) / $2 }'
}
