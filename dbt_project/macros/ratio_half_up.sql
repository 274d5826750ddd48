{#- numerator ÷ denominator to four decimals, rounded half up exactly, for amounts with
    two decimals (numerator >= 0, denominator > 0). DuckDB divides decimals in double
    precision, in which a tie such as 669746.00 ÷ 440000.00 = 1.52215 rounds down; in
    whole cents the division is exact. -#}
{% macro ratio_half_up(numerator, denominator) -%}
    {{ return(adapter.dispatch('ratio_half_up', 'crm')(numerator, denominator)) }}
{%- endmacro %}

{% macro default__ratio_half_up(numerator, denominator) -%}
    cast(
        (
            cast({{ numerator }} * 100 as hugeint) * 20000
            + cast({{ denominator }} * 100 as hugeint)
        )
        // (2 * cast({{ denominator }} * 100 as hugeint)) as decimal(38, 0)
    ) * 0.0001
{%- endmacro %}

{#- Spark has no 128-bit integer and rounds decimal quotients at a scale of its own; its
    `div` on 64-bit integers stays exact below 4.6e14 cents (4.6 trillion yuan). -#}
{% macro spark__ratio_half_up(numerator, denominator) -%}
    cast(
        (
            cast({{ numerator }} * 100 as bigint) * 20000
            + cast({{ denominator }} * 100 as bigint)
        )
        div (2 * cast({{ denominator }} * 100 as bigint)) as decimal(38, 0)
    ) * 0.0001
{%- endmacro %}
