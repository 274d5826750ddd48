{#- numerator ÷ denominator to four decimals, rounded half up exactly, for amounts with
    two decimals (numerator >= 0, denominator > 0). DuckDB divides decimals in double
    precision, in which a tie such as 669746.00 ÷ 440000.00 = 1.52215 rounds down; in
    whole cents the division is exact. -#}
{% macro ratio_half_up(numerator, denominator) -%}
    cast(
        (
            cast({{ numerator }} * 100 as hugeint) * 20000
            + cast({{ denominator }} * 100 as hugeint)
        )
        // (2 * cast({{ denominator }} * 100 as hugeint)) as decimal(38, 0)
    ) * 0.0001
{%- endmacro %}
