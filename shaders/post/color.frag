#version 330 core
// Colour: hue turned about the grey axis, saturation about Rec. 709 luma, contrast about mid
// grey, brightness added; the identity at hue 0, saturation 1, contrast 1, brightness 0. When
// the flash stage runs in the same frame its work is done here too (one full-screen pass
// fewer: ~8 ms at 1920x1080 on llvmpipe, on exactly the frames with an onset), as flash.frag.
uniform sampler2D uFrame;
uniform mat3 uHue;  // rotation about the grey axis (the CPU builds it)
uniform float uSaturation;
uniform float uContrast;
uniform float uBrightness;
uniform float uInvert;  // the flash stage's amounts, 0 when it does not run
uniform float uFlash;
out vec4 outColor;

void main() {
    vec3 c = texelFetch(uFrame, ivec2(gl_FragCoord.xy), 0).rgb;
    c = uHue * c;
    float luma = dot(c, vec3(0.2126, 0.7152, 0.0722));
    c = mix(vec3(luma), c, uSaturation);
    c = clamp((c - 0.5) * uContrast + 0.5 + uBrightness, 0.0, 1.0);
    c = mix(c, 1.0 - c, uInvert);
    c = mix(c, vec3(1.0), uFlash);
    outColor = vec4(c, 1.0);
}
