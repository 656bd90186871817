// jest transform for the generated weight modules (src/io/model-*-data.ts): they are plain JavaScript (two
// string constants, one a concatenation of thousands of base64 lines), which ts-jest's hoisting pass walks
// recursively, one stack frame per `+`, until the stack overflows. Passed through as they are.
module.exports = {
  process(source) {
    return { code: source };
  },
};
