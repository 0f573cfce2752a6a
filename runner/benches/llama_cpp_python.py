"""The comparison side of benches/local_engine.rs: the same model and prompts through llama.cpp
driven from Python (llama-cpp-python), one sequence at a time, timed the same way.

Input: one JSON argument {"model", "prompts", "max_tokens", "n_ctx", "threads", "rounds"}.
Output: JSON {"version", "tokens_per_second", "generation_tokens_per_second", "tokens"} on stdout:
medians over the rounds of generated tokens / wall time of the pass, and of tokens after each
answer's first / (wall time less llama.cpp's own prompt-decoding time), as the Rust side counts.
"""

import json
import statistics
import sys
import time

import llama_cpp


def main() -> None:
    config = json.loads(sys.argv[1])
    llm = llama_cpp.Llama(
        model_path=config["model"],
        n_ctx=config["n_ctx"],
        n_threads=config["threads"],
        n_threads_batch=config["threads"],
        verbose=False,
    )

    def one_pass() -> tuple[int, float, float]:
        llama_cpp.llama_perf_context_reset(llm.ctx)
        started = time.perf_counter()
        tokens = 0
        for prompt in config["prompts"]:
            # Greedy: temperature 0 (llama-cpp-python then samples with the greedy sampler).
            answer = llm.create_completion(prompt, max_tokens=config["max_tokens"], temperature=0.0)
            tokens += answer["usage"]["completion_tokens"]
        seconds = time.perf_counter() - started
        # llama.cpp counts a decode of more than one token as prompt processing.
        prompt_seconds = llama_cpp.llama_perf_context(llm.ctx).t_p_eval_ms / 1000
        return tokens, seconds, prompt_seconds

    one_pass()  # warm-up, as on the Rust side
    rates = []
    generation_rates = []
    tokens = 0
    for _ in range(config["rounds"]):
        tokens, seconds, prompt_seconds = one_pass()
        rates.append(tokens / seconds)
        generation_rates.append((tokens - len(config["prompts"])) / (seconds - prompt_seconds))
    print(json.dumps({
        "version": llama_cpp.__version__,
        "tokens_per_second": statistics.median(rates),
        "generation_tokens_per_second": statistics.median(generation_rates),
        "tokens": tokens,
    }))


if __name__ == "__main__":
    main()
