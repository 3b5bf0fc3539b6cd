# R `surveillance` on the simulated Noufaily (2013) series written by evaluate_vs_r.py.
# Usage: Rscript bench/surveillance/evaluate.R DATA_DIR PART
# Reads DATA_DIR/counts_PART.csv (one row per replicate, columns = weeks) and
# DATA_DIR/methods.csv (label, fun, control as R code); writes DATA_DIR/r_PART_<label>.csv
# (alarm and upperbound per row and scored week) and DATA_DIR/r_PART_timings.csv.
suppressPackageStartupMessages(library(surveillance))
a <- commandArgs(trailingOnly = TRUE)
dir <- a[1]; part <- a[2]
counts <- as.matrix(read.csv(file.path(dir, paste0("counts_", part, ".csv"))))
methods <- read.csv(file.path(dir, "methods.csv"), stringsAsFactors = FALSE)
scored <- as.integer(readLines(file.path(dir, "scored.txt")))
n_t <- ncol(counts)
rng <- (n_t - scored + 1):n_t
sw <- sts(observed = t(counts), frequency = 52)
flex_names <- names(formals(farringtonFlexible)$control)
farr_names <- c("b", "w", "reweight", "verbose", "plot", "alpha", "trend", "limit54", "powertrans", "fitFun")
timings <- data.frame(label = character(), seconds = numeric(), cpu = numeric(), n_series = integer())
for (i in seq_len(nrow(methods))) {
  ctrl <- eval(parse(text = methods$control[i]))
  allowed <- if (methods$fun[i] == "farrington") farr_names else flex_names
  bad <- setdiff(names(ctrl), allowed)   # R ignores misspelled control names silently (DOMAIN.md)
  if (length(bad)) stop("unknown control name(s): ", paste(bad, collapse = ", "))
  ctrl$range <- rng
  st <- system.time({
    r <- if (methods$fun[i] == "farrington") {
      farrington(sw, control = ctrl, verbose = FALSE)
    } else {
      suppressWarnings(farringtonFlexible(sw, control = c(ctrl, list(glmWarnings = FALSE))))
    }
  })
  al <- t(alarms(r)); ub <- t(upperbound(r))
  out <- data.frame(row = rep(seq_len(nrow(counts)) - 1L, each = length(rng)),
                    t = rep(rng - 1L, times = nrow(counts)),
                    alarm = as.integer(as.vector(t(al))),
                    upperbound = sprintf("%.15g", as.vector(t(ub))))
  write.csv(out, file.path(dir, paste0("r_", part, "_", methods$label[i], ".csv")), row.names = FALSE)
  timings[nrow(timings) + 1, ] <- list(methods$label[i], st[["elapsed"]],
                                       st[["user.self"]] + st[["sys.self"]], nrow(counts))
}
write.csv(timings, file.path(dir, paste0("r_", part, "_timings.csv")), row.names = FALSE)
