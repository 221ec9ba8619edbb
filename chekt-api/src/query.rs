//! Typed list parameters for the Partner API's list endpoints (seed 003):
//! `fields`, repeatable `filter=column,value,operator`, `sort`, `dir`.
//!
//! ```
//! use chekt_api::query::{Fields, Filters};
//!
//! let filters = Filters::new().eq("is_activated", 1).regex("name", "Gangnam");
//! assert_eq!(filters.render().unwrap(), ["is_activated,1,eq", "name,Gangnam,regex"]);
//! assert_eq!(Fields::new(["site_id", "name", "timezone"]).render().unwrap(), "site_id,name,timezone");
//! ```
//!
//! Both convert into what the generated builders take, so they plug straight
//! into `client.list_sites().filter(filters)`; an invalid entry (a comma in a
//! column or value, which the wire format cannot escape) makes the request
//! fail before it is sent.

use std::fmt;

/// A filter operator; `eq` is the server's default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FilterOp {
    /// Equal (`eq`).
    Eq,
    /// Not equal (`neq`).
    Neq,
    /// Less than (`lt`).
    Lt,
    /// Less than or equal (`lte`).
    Lte,
    /// Greater than (`gt`).
    Gt,
    /// Greater than or equal (`gte`).
    Gte,
    /// Regular-expression match (`regex`).
    Regex,
}

impl FilterOp {
    /// The operator as sent.
    ///
    /// ```
    /// use chekt_api::query::FilterOp;
    ///
    /// assert_eq!(FilterOp::Gte.as_str(), "gte");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            FilterOp::Eq => "eq",
            FilterOp::Neq => "neq",
            FilterOp::Lt => "lt",
            FilterOp::Lte => "lte",
            FilterOp::Gt => "gt",
            FilterOp::Gte => "gte",
            FilterOp::Regex => "regex",
        }
    }
}

impl fmt::Display for FilterOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a list parameter cannot be sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum QueryError {
    /// A column name is empty or contains a character the format reserves.
    #[error("invalid column name `{0}`: it must be non-empty without `,` or whitespace")]
    Column(String),
    /// A filter value contains a comma, which `column,value,op` cannot carry.
    #[error("filter value for `{column}` contains a comma, which the filter format cannot escape")]
    Value {
        /// The column the value was for.
        column: String,
    },
}

/// One `column,value,operator` filter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filter {
    column: String,
    value: String,
    op: FilterOp,
}

impl Filter {
    /// A filter on `column`.
    ///
    /// ```
    /// use chekt_api::query::{Filter, FilterOp, Filters};
    ///
    /// let filter = Filter::new("created_at", FilterOp::Gte, "2025-01-01");
    /// let filters = Filters::new().with(filter);
    /// # let _ = filters;
    /// ```
    pub fn new(column: impl Into<String>, op: FilterOp, value: impl ToString) -> Self {
        Filter {
            column: column.into(),
            value: value.to_string(),
            op,
        }
    }

    /// The wire form, `column,value,operator`, or why it cannot be sent.
    ///
    /// ```
    /// use chekt_api::query::{Filter, FilterOp, QueryError};
    ///
    /// assert_eq!(Filter::new("site_id", FilterOp::Lt, 100).render()?, "site_id,100,lt");
    /// let comma = Filter::new("name", FilterOp::Eq, "Smith, J.").render();
    /// assert_eq!(comma, Err(QueryError::Value { column: "name".into() }));
    /// # Ok::<(), chekt_api::query::QueryError>(())
    /// ```
    pub fn render(&self) -> Result<String, QueryError> {
        check_column(&self.column)?;
        if self.value.contains(',') {
            return Err(QueryError::Value {
                column: self.column.clone(),
            });
        }
        Ok(format!("{},{},{}", self.column, self.value, self.op))
    }
}

fn check_column(column: &str) -> Result<(), QueryError> {
    if column.is_empty() || column.contains(',') || column.contains(char::is_whitespace) {
        return Err(QueryError::Column(column.to_string()));
    }
    Ok(())
}

/// Several filters, combined with AND by the server.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filters(Vec<Filter>);

macro_rules! filter_methods {
    // Each method is named after its operator's wire form.
    ($($name:ident => $op:ident, $column:literal, $value:literal;)*) => {
        $(
            #[doc = concat!(
                "Adds `column,value,", stringify!($name), "`.\n\n",
                "```\n",
                "use chekt_api::query::Filters;\n\n",
                "let filters = Filters::new().", stringify!($name),
                "(\"", $column, "\", ", stringify!($value), ");\n",
                "assert_eq!(filters.render()?, [\"",
                $column, ",", $value, ",", stringify!($name), "\"]);\n",
                "# Ok::<(), chekt_api::query::QueryError>(())\n",
                "```",
            )]
            pub fn $name(self, column: impl Into<String>, value: impl ToString) -> Self {
                self.with(Filter::new(column, FilterOp::$op, value))
            }
        )*
    };
}

impl Filters {
    /// No filters.
    ///
    /// ```
    /// use chekt_api::query::Filters;
    ///
    /// let filters = Filters::new().eq("is_activated", 1).gte("created_at", "2025-01-01");
    /// assert_eq!(filters.render()?, ["is_activated,1,eq", "created_at,2025-01-01,gte"]);
    /// # Ok::<(), chekt_api::query::QueryError>(())
    /// ```
    pub fn new() -> Self {
        Filters::default()
    }

    /// Adds a filter.
    ///
    /// ```
    /// use chekt_api::query::{Filter, FilterOp, Filters};
    ///
    /// let mut filters = Filters::new();
    /// for id in [7, 9] {
    ///     filters = filters.with(Filter::new("site_id", FilterOp::Neq, id));
    /// }
    /// assert_eq!(filters.render()?, ["site_id,7,neq", "site_id,9,neq"]);
    /// # Ok::<(), chekt_api::query::QueryError>(())
    /// ```
    pub fn with(mut self, filter: Filter) -> Self {
        self.0.push(filter);
        self
    }

    filter_methods! {
        eq => Eq, "is_activated", 1;
        neq => Neq, "timezone", "UTC";
        lt => Lt, "site_id", 100;
        lte => Lte, "created_at", "2025-12-31";
        gt => Gt, "created_at", "2025-01-01";
        gte => Gte, "site_id", 100;
        regex => Regex, "name", "Gangnam";
    }

    /// Whether there are no filters.
    ///
    /// ```
    /// use chekt_api::query::Filters;
    ///
    /// assert!(Filters::new().is_empty());
    /// assert!(!Filters::new().eq("is_activated", 1).is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// One string per `filter=` query parameter, in order.
    ///
    /// ```
    /// use chekt_api::query::{Filters, QueryError};
    ///
    /// let filters = Filters::new().eq("is_activated", 1).regex("name", "Gangnam");
    /// assert_eq!(filters.render()?, ["is_activated,1,eq", "name,Gangnam,regex"]);
    /// let bad = Filters::new().eq("site name", "x").render();
    /// assert_eq!(bad, Err(QueryError::Column("site name".into())));
    /// # Ok::<(), chekt_api::query::QueryError>(())
    /// ```
    pub fn render(&self) -> Result<Vec<String>, QueryError> {
        self.0.iter().map(Filter::render).collect()
    }
}

impl TryFrom<Filters> for Vec<String> {
    type Error = QueryError;

    fn try_from(filters: Filters) -> Result<Self, Self::Error> {
        filters.render()
    }
}

/// Columns to select (`fields=a,b,c`). Rows then carry only those columns,
/// which the full row type cannot decode: send with the builder's
/// `send_as::<YourRow>()`, or page with
/// [`rows_as`](crate::pagination::FieldsPaged::rows_as), decoding into a
/// type of those columns (or `serde_json::Value`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Fields(Vec<String>);

impl Fields {
    /// The given columns, in order.
    ///
    /// ```
    /// use chekt_api::prelude::*;
    /// use chekt_api::query::Fields;
    ///
    /// # let client = chekt_api::Client::builder().bearer_token("t").build()?;
    /// let request = client.list_sites().dealer_id(42).fields(Fields::new(["site_id", "name"]));
    /// # let _ = request;
    /// # Ok::<(), chekt_api::BuildError>(())
    /// ```
    pub fn new<I, S>(columns: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Fields(columns.into_iter().map(Into::into).collect())
    }

    /// The wire form, `a,b,c`.
    ///
    /// ```
    /// use chekt_api::query::{Fields, QueryError};
    ///
    /// assert_eq!(Fields::new(["site_id", "name", "timezone"]).render()?, "site_id,name,timezone");
    /// assert_eq!(Fields::new(["site,id"]).render(), Err(QueryError::Column("site,id".into())));
    /// # Ok::<(), chekt_api::query::QueryError>(())
    /// ```
    pub fn render(&self) -> Result<String, QueryError> {
        for column in &self.0 {
            check_column(column)?;
        }
        Ok(self.0.join(","))
    }
}

impl TryFrom<Fields> for String {
    type Error = QueryError;

    fn try_from(fields: Fields) -> Result<Self, Self::Error> {
        fields.render()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_exactly_as_seed_003_shows() {
        let filters = Filters::new()
            .eq("is_activated", 1)
            .regex("name", "Gangnam");
        assert_eq!(
            Vec::<String>::try_from(filters).unwrap(),
            ["is_activated,1,eq", "name,Gangnam,regex"]
        );
        let cases = [
            (Filters::new().neq("a", "x"), "a,x,neq"),
            (Filters::new().lt("a", 1), "a,1,lt"),
            (Filters::new().lte("a", 1), "a,1,lte"),
            (
                Filters::new().gt("created_at", "2025-01-01"),
                "created_at,2025-01-01,gt",
            ),
            (Filters::new().gte("a", -2), "a,-2,gte"),
            (Filters::new().eq("sites.name", ""), "sites.name,,eq"),
        ];
        for (filters, expected) in cases {
            assert_eq!(filters.render().unwrap(), [expected]);
        }
        assert_eq!(
            String::try_from(Fields::new(["site_id", "name", "timezone"])).unwrap(),
            "site_id,name,timezone"
        );
    }

    #[test]
    fn rejects_what_the_format_cannot_carry() {
        assert_eq!(
            Filters::new().eq("name", "a,b").render(),
            Err(QueryError::Value {
                column: "name".into()
            })
        );
        assert_eq!(
            Filters::new().eq("", 1).render(),
            Err(QueryError::Column(String::new()))
        );
        assert_eq!(
            Fields::new(["site id"]).render(),
            Err(QueryError::Column("site id".into()))
        );
        assert!(Filters::new().is_empty());
    }
}
